"""The tumour board: `nelm match` for a patient and `nelm brief` for the board's notes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from nelm.cli.app import app
from nelm.cli.options import (
    OUTPUT,
    OutputOptions,
    complete_modality,
    complete_outcome,
    load,
    output_options,
    render,
)
from nelm.errors import NelmError, UsageError
from nelm.render import Column, Result
from nelm.render.output import Output


def _with_profile_flags(func: Any) -> Any:
    """Give a command one option per profile field (--burden-pct 40, --bilioenteric-anastomosis yes),
    from the one table of fields in nelm.evidence.patient; the values arrive in the command's **answers."""
    import inspect

    from nelm.evidence.patient import FIELDS

    sig = inspect.signature(func, eval_str=True)  # resolved: Typer reads __signature__ as it is
    params = [p for p in sig.parameters.values() if p.kind != inspect.Parameter.VAR_KEYWORD]
    metavar = {"yes-no": "yes|no", "number": "NUMBER", "integer": "INTEGER"}
    for f in FIELDS:
        option = typer.Option(
            f.flag,
            help=f"{f.meaning[:1].upper()}{f.meaning[1:]}: {f.accepted()}.",
            metavar=metavar.get(f.kind, "|".join(f.choices)),
            rich_help_panel="Patient",
        )
        params.append(
            inspect.Parameter(
                f.name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Annotated[Optional[str], option]
            )
        )
    func.__signature__ = sig.replace(parameters=params)
    return func


ProfileFile = Annotated[
    Optional[Path],
    typer.Option(
        "--profile",
        "-p",
        help="Patient profile: a YAML file of field: value (the fields below; flags override the file).",
        metavar="FILE",
        dir_okay=False,
    ),
]


def _patient(profile_file: Path | None, answers: dict[str, Any]) -> dict[str, Any]:
    from nelm.evidence import patient

    base = patient.read_profile(str(profile_file)) if profile_file else {}
    return patient.merge(base, answers)


@app.command(
    "match",
    epilog="Examples: nelm match --resectable no --burden-pct 40 --bilioenteric-anastomosis yes | "
    "nelm match -p case.yaml tace y90 -f json\n\nThe fields, their units and the rules are described in docs/match.md.",
)
@_with_profile_flags
@output_options
def match_cmd(
    modalities: Annotated[
        Optional[list[str]],
        typer.Argument(help="Only these modalities (default: every treatment).", autocompletion=complete_modality),
    ] = None,
    profile_file: ProfileFile = None,
    out: OutputOptions = OUTPUT,
    **answers: Any,
) -> None:
    """Which options fit this patient: a verdict for each modality (candidate, caution, not-suitable,
    insufficient-information), most suitable first, with every reason and its source, the risks
    that apply to this patient, and the unknown fields that could change the verdict.

    The rules are each modality's selection criteria in the evidence (guideline, consensus or study
    positions); nelm only compares the profile with them. Not a substitute for the tumour board."""
    from nelm.analysis import lookup, match

    pat = _patient(profile_file, answers)
    ev = load()
    mods = lookup.resolve_all(ev, modalities)
    results = match.match(ev, pat, mods or None)
    records = [match.record(ev, r) for r in results]
    page = out.output()
    if not pat:
        page.note("no patient fields given: every option needs more information (nelm match --help lists them)")
    if out.table(page) and not out.fields:
        from nelm.cli.pager import paged, terminal_height
        from nelm.render import match_text

        shown = [
            dict(
                rec,
                no_reason=match.NO_RULES if not r.modality.criteria else match.NO_MATCH,
                risks=[dict(k, lines=match.risk_lines(ev, k)) for k in rec["risks"]],
            )
            for r, rec in zip(results, records, strict=True)
        ]
        with paged(page, terminal_height()):
            match_text.write(page, match.describe(pat), shown, page.table_width())
        return
    cols = [
        Column("option", "Option"),
        Column("verdict", "Verdict"),
        Column("item", "Item"),
        Column("text", "Text"),
        Column("citation", "Sources"),
    ]
    result = Result(
        "match",
        cols,
        match.rows(ev, results),
        "Options for this patient",
        extra_fields=["modality"],
        json_rows=records,
        envelope={"profile": pat},
    )
    render(result, out)


@app.command(
    "brief",
    epilog="Examples: nelm brief tace rfa > board.md | nelm brief -p case.yaml -f html -o board.html\n\n"
    "See docs/brief.md.",
)
@_with_profile_flags
def brief_cmd(
    modalities: Annotated[
        Optional[list[str]],
        typer.Argument(
            help="The options to summarise (default with a profile: the most suitable ones).",
            autocompletion=complete_modality,
        ),
    ] = None,
    profile_file: ProfileFile = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="markdown or html.", metavar="FORMAT")] = "markdown",
    output: Annotated[
        Optional[Path], typer.Option("--output", "-o", help="Write to this file instead of stdout.", dir_okay=False)
    ] = None,
    paper: Annotated[str, typer.Option("--paper", help="Page size of the HTML's print CSS: a4 or letter.")] = "a4",
    forest: Annotated[
        Optional[str],
        typer.Option(
            "--forest",
            help="HTML only: embed the forest plot of this outcome for the chosen options (needs nelm[plot]).",
            metavar="OUTCOME",
            autocompletion=complete_outcome,
        ),
    ] = None,
    **answers: Any,
) -> None:
    """A one-page tumour-board brief: the case and the match verdicts (with a profile), the summary
    of findings, head-to-head results and key risks for the chosen options, the disclaimer, and
    numbered references (Vancouver, with PMID/DOI) for exactly what it cites."""
    from nelm.analysis import brief, lookup

    fmt, paper = fmt.lower(), paper.lower()
    if fmt not in ("markdown", "md", "html"):
        raise UsageError(f"unknown format '{fmt}' for brief", "choose from: markdown, html")
    if paper not in ("a4", "letter"):
        raise UsageError(f"unknown paper '{paper}'", "choose from: a4, letter")
    if forest and fmt != "html":
        raise UsageError("--forest needs -f html", "the Markdown brief has no images")
    given = profile_file is not None or any(v is not None for v in answers.values())
    pat = _patient(profile_file, answers) if given else None
    if not modalities and pat is None:
        raise UsageError("brief needs modalities or a profile", "e.g. nelm brief tace rfa, or nelm brief -p case.yaml")
    ev = load()
    mods = lookup.resolve_all(ev, modalities)
    doc = brief.build(ev, mods, pat)
    if fmt == "html":
        from nelm.render import brief_html

        shown = {i for i, _ in doc.modalities}
        svg = _forest_svg(ev, forest, [m for m in ev.treatments if m.id in shown]) if forest and shown else None
        text = brief_html.render(doc, paper, svg)
    else:
        from nelm.render import brief_md

        text = brief_md.render(doc)
    if output is None:
        out = Output.from_env()
        out.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as e:
        raise NelmError(f"cannot write {output}: {e.strerror or e}") from None


def _forest_svg(ev: Any, outcome: str, mods: list[Any]) -> str | None:
    """The forest plot of one outcome as inline SVG markup, or None when nothing can be plotted."""
    import tempfile

    from nelm.analysis import filters, lookup, summaries
    from nelm.cli.forest import write_image

    oid = lookup.resolve_outcome(ev, outcome)
    groups = summaries.forest(ev, oid, mods, filters.StudyFilter(net_only=True))
    if not groups:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "forest.svg"
        write_image(groups, path)
        svg = path.read_text(encoding="utf-8")
    return svg[svg.index("<svg") :]
