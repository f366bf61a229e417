"""`nelm forest`: a forest plot of one outcome, as text, JSON or an image."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from nelm.cli.app import app
from nelm.cli.options import (
    FILTER,
    FilterOptions,
    NoColor,
    complete_modality,
    complete_outcome,
    filter_options,
    load,
)
from nelm.errors import NelmError, UsageError
from nelm.render import Result
from nelm.render.output import Output


@app.command(
    "forest",
    epilog="Examples: nelm forest symptom-response | nelm forest major-complication tace embolization -o plot.svg",
)
@filter_options(until=True)
def forest_cmd(
    outcome: Annotated[
        str, typer.Argument(help="An outcome id, e.g. symptom-response.", autocompletion=complete_outcome)
    ],
    modalities: Annotated[
        Optional[list[str]],
        typer.Argument(help="Modality ids or aliases (default: every modality).", autocompletion=complete_modality),
    ] = None,
    flt: FilterOptions = FILTER,
    indirect: Annotated[bool, typer.Option("--indirect", help="Include indirect (non-NET) evidence.")] = False,
    output: Annotated[
        Optional[Path],
        typer.Option("--output", "-o", help="Also write the plot as an image: .svg, .png or .pdf (needs nelm[plot])."),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="text (the plot) or json (its numbers).", metavar="FORMAT")
    ] = "text",
    no_color: NoColor = False,
) -> None:
    """A forest plot of one outcome: each study's proportion (events/n, Wilson 95% CI) drawn to one
    scale, grouped by modality and measure, with the pooled estimate where at least three comparable
    NET-specific studies allow one. Only crude proportions with a denominator are plotted."""
    from nelm.analysis import filters, lookup, summaries

    if fmt not in ("text", "json"):
        raise UsageError(f"unknown format '{fmt}' for forest", "choose from: text, json")
    ev = load()
    oid = lookup.resolve_outcome(ev, outcome)
    mods = lookup.resolve_all(ev, modalities)
    selection = filters.StudyFilter(
        **flt.fields(),
        net_only=not indirect,
    )
    groups = summaries.forest(ev, oid, mods, selection)
    out = Output.from_env(no_color=no_color)
    if not groups:
        out.note(f"no proportions with a denominator recorded for {oid} (medians and survival rates are never plotted)")
        if fmt == "text":
            return
    if output is not None and groups:
        write_image(groups, output)
    if fmt == "json":
        from nelm.analysis.synthesis import pool_record
        from nelm.render import jsonout

        records = [dict(g, pooled=pool_record(g["pooled"])) for g in groups]
        jsonout.write(out, Result("forest", [], records), lines=False)
        return
    from nelm.render.forest import forest_lines
    from nelm.render.output import terminal_width

    unicode = out.stdout_tty and os.environ.get("TERM") != "dumb"
    width = terminal_width(out.stdout) if out.stdout_tty else 80
    text = "\n".join(forest_lines(groups, width=max(width, 60), unicode=unicode))
    out.stdout.write(text + ("\n" if text else ""))


def write_image(groups: list[dict[str, Any]], path: Path) -> None:
    """Write the forest plot as an image: a missing nelm[plot] extra or an unknown suffix is a
    usage error, an unwritable file a data error."""
    from nelm.render.forest_image import PlotUnavailable, write_forest_image

    try:
        write_forest_image(groups, path)
    except PlotUnavailable as e:
        raise UsageError(str(e).split(":")[0], e.hint) from None
    except ValueError as e:
        raise UsageError(str(e)) from None
    except OSError as e:
        raise NelmError(f"cannot write {path}: {e.strerror or e}") from None
