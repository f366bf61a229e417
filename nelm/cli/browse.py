"""Browsing the evidence: list, show, compare, studies and outcomes."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from nelm.cli.app import app
from nelm.cli.options import (
    FILTER,
    OUTPUT,
    FilterOptions,
    NoPooled,
    OutputOptions,
    complete_modality,
    complete_outcome,
    filter_options,
    load,
    output_options,
    render,
)
from nelm.errors import UsageError
from nelm.render import Column, Result


@app.command("list", epilog="Example: nelm list | nelm list -f json")
@output_options
def list_cmd(out: OutputOptions = OUTPUT) -> None:
    """List the treatment modalities with a one-line summary, studies and patients."""
    from nelm.analysis import browse

    ev = load()
    rows = browse.list_rows(ev)
    cols = [
        Column("id", "Modality"),
        Column(
            "studies",
            "Studies",
            True,
            lambda r: f"{r['studies']} ({r['indirect_studies']} indirect)" if r["indirect_studies"] else r["studies"],
        ),
        Column(
            "patients", "NET patients", True, lambda r: (">=" if r["patients_incomplete"] else "") + str(r["patients"])
        ),
        Column(
            "summary",
            "Summary",
            show=lambda r: r["summary"] + (f" (searched {r['searched']})" if r.get("searched") else ""),
        ),
    ]
    render(Result("list", cols, rows, "NELM treatment modalities"), out)


@app.command("show", epilog="Example: nelm show y90 | nelm show resection -f json")
@output_options
@filter_options()
def show_cmd(
    modality: Annotated[
        str, typer.Argument(help="Modality id or alias (e.g. tace, y90, surgery).", autocompletion=complete_modality)
    ],
    section: Annotated[
        Optional[list[str]],
        typer.Option(
            "--section",
            "-s",
            help="Only these sections (repeatable): summary, indications, contraindications, criteria (the "
            "selection rules of nelm match), statements, "
            "comparisons, findings (every figure), references.",
        ),
    ] = None,
    indirect: Annotated[bool, typer.Option("--indirect", help="Include indirect (non-NET) evidence.")] = False,
    flt: FilterOptions = FILTER,
    out: OutputOptions = OUTPUT,
) -> None:
    """One modality: summary, indications, contraindications, head-to-head results, one line per
    outcome, and the numbered references once at the end (NET-specific evidence unless --indirect)."""
    from nelm.analysis import browse, lookup
    from nelm.analysis import page as show_page

    ev = load()
    m = lookup.resolve(ev, modality)
    sections: tuple[str, ...] = show_page.DEFAULT
    if section:
        bad = [x for x in section if x not in show_page.SECTIONS]
        if bad:
            raise UsageError(f"unknown section '{bad[0]}'", f"choose from: {', '.join(show_page.SECTIONS)}")
        sections = tuple(x for x in show_page.SECTIONS if x in section)
        if "references" not in sections and sections != ("summary",):
            sections = (*sections, "references")
    rows = show_page.rows(ev, m, sections, indirect=indirect, flt=flt.study_filter())
    page = out.output()
    if out.table(page) and not out.fields:
        from nelm.cli.pager import paged, terminal_height

        with paged(page, terminal_height()):
            from nelm.render import show

            show.write(page, m, rows, page.table_width())
        return
    cols = [Column("section", "Section"), Column("text", "Text"), Column("source", "Refs")]
    result = Result("show", cols, rows, m.name, json_rows=[browse.profile(ev, m)])
    render(result, out)


@app.command("compare", epilog="Example: nelm compare tace rfa | nelm compare y90 tace --outcome os --detail")
@output_options
@filter_options()
def compare_cmd(
    modalities: Annotated[
        list[str], typer.Argument(help="Two or more modality ids or aliases.", autocompletion=complete_modality)
    ],
    outcome: Annotated[
        Optional[list[str]],
        typer.Option("--outcome", "-o", help="Only this outcome (repeatable).", autocompletion=complete_outcome),
    ] = None,
    detail: Annotated[bool, typer.Option("--detail", help="Every study's figure with definition and design.")] = False,
    all_outcomes: Annotated[
        bool, typer.Option("--all", help="Every outcome with NET data, not only the core outcomes.")
    ] = False,
    indirect: Annotated[
        bool, typer.Option("--indirect", help="Add indirect (non-NET) evidence in its own rows, after the NET rows.")
    ] = False,
    no_pooled: NoPooled = False,
    flt: FilterOptions = FILTER,
    out: OutputOptions = OUTPUT,
) -> None:
    """Compare modalities side by side: one column per modality, one row per outcome.

    Each cell summarises the figures of one kind (e.g. 5-year survival) as their range across
    studies; --detail lists every study's figure with its definition and design."""
    from nelm.analysis import lookup, summaries

    ev = load()
    mods = lookup.resolve_all(ev, modalities)
    if len(mods) < 2:
        raise UsageError("compare needs at least two different modalities", "e.g. nelm compare tace rfa")
    outcomes = [lookup.resolve_outcome(ev, o) for o in outcome] if outcome else None
    selection = flt.study_filter()
    rows = summaries.compare(
        ev, mods, outcomes, detail, pooled=not no_pooled, all_outcomes=all_outcomes, indirect=indirect, flt=selection
    )
    names = [lookup.short_name(m) for m in mods]
    cols = [Column("row", "", cap=14)] + [Column(m.id, name) for m, name in zip(mods, names, strict=True)]
    what = "Every figure" if detail else "Summary of findings"
    scope = "" if indirect else " (NET-specific evidence)"
    render(
        Result("compare", cols, rows, f"{what}: {' vs '.join(names)}{scope}"),
        out,
        "no figures for these outcomes",
    )


@app.command(
    "studies",
    epilog="Examples: nelm studies -m tace --design prospective | "
    "nelm studies --outcome os --min-n 50 --sort n --reverse -f json",
)
@output_options
@filter_options(until=True)
def studies_cmd(
    modality: Annotated[
        Optional[list[str]],
        typer.Option("--modality", "-m", help="Modality (repeatable; aliases work).", autocompletion=complete_modality),
    ] = None,
    outcome: Annotated[
        Optional[list[str]],
        typer.Option("--outcome", "-o", help="Outcome id (repeatable).", autocompletion=complete_outcome),
    ] = None,
    flt: FilterOptions = FILTER,
    text: Annotated[
        Optional[str], typer.Option("--text", help="Case-insensitive substring of the study's text.")
    ] = None,
    technique: Annotated[
        Optional[list[str]],
        typer.Option("--technique", help="Technique id (repeatable), e.g. ctace, deb-tace, resin, glass."),
    ] = None,
    net_only: Annotated[
        bool, typer.Option("--net-only", help="Leave out indirect evidence (populations mostly not NET).")
    ] = False,
    sort: Annotated[
        Optional[str], typer.Option("--sort", help="Sort by this field (e.g. n, year, value, loe).")
    ] = None,
    reverse: Annotated[bool, typer.Option("--reverse", help="Reverse the sort.")] = False,
    limit: Annotated[Optional[int], typer.Option("--limit", min=0, help="At most this many rows.")] = None,
    out: OutputOptions = OUTPUT,
) -> None:
    """One row per study finding, filtered and sorted."""
    from nelm.analysis import browse, filters, lookup

    ev = load()
    selection = filters.StudyFilter(
        modalities=tuple(lookup.resolve(ev, m).id for m in modality or ()),
        outcomes=tuple(lookup.resolve_outcome(ev, o) for o in outcome or ()),
        **flt.fields(),
        text=text,
        techniques=tuple(lookup.resolve_technique(ev, t) for t in technique or ()),
        net_only=net_only,
    )
    rows = browse.study_rows(ev, selection)
    # A column that would only repeat the filter (one modality, one outcome) is left out of the
    # default columns; --fields and JSON still have it.
    repeats = {"modality"} if len(selection.modalities) == 1 else set()
    repeats |= {"outcome"} if len(selection.outcomes) == 1 else set()
    columns = [c for c in STUDY_COLUMNS if c.key not in repeats]
    title = "Study findings" + "".join(f": {v[0]}" for v in (selection.modalities, selection.outcomes) if len(v) == 1)
    result = Result("studies", columns, rows, title)
    if sort:
        if sort not in result.fields():
            raise UsageError(
                f"unknown sort field '{sort}'",
                lookup.suggest(sort, result.fields()) or f"choose from: {', '.join(result.fields())}",
            )
        rows = browse.sort_rows(rows, sort, reverse)
    elif reverse:
        rows.reverse()
    result.rows = rows[:limit] if limit is not None else rows
    render(result, out, "no study findings match")


STUDY_COLUMNS = [
    Column("modality", "Modality"),
    Column("outcome", "Outcome"),
    Column("figure", "Figure"),
    Column("design", "Design"),
    Column("loe", "LoE", True),
    Column("year", "Year", True),
    Column("study", "Study"),
]


@app.command("outcomes", epilog="Examples: nelm outcomes | nelm outcomes symptom-response")
@output_options
@filter_options()
def outcomes_cmd(
    outcome: Annotated[
        Optional[str],
        typer.Argument(help="An outcome id; omit to list the vocabulary.", autocompletion=complete_outcome),
    ] = None,
    no_pooled: NoPooled = False,
    indirect: Annotated[
        bool, typer.Option("--indirect", help="Add indirect (non-NET) evidence after the NET figures.")
    ] = False,
    flt: FilterOptions = FILTER,
    out: OutputOptions = OUTPUT,
) -> None:
    """The outcome vocabulary, or every modality's figures for one outcome, grouped by modality and
    measure, each group's pooled estimate first (NET-specific evidence unless --indirect)."""
    from nelm.analysis import browse, lookup, summaries

    ev = load()
    if outcome is None:
        cols = [
            Column("id", "Outcome"),
            Column("label", "Label"),
            Column("kind", "Kind"),
            Column("unit", "Unit"),
            Column("category", "Category"),
            Column("findings", "Findings", True),
        ]
        render(Result("outcomes", cols, browse.outcome_rows(ev), "Outcome vocabulary"), out)
        return
    oid = lookup.resolve_outcome(ev, outcome)
    cols = [
        Column("modality", "Modality"),
        Column("figure", "Figure"),
        Column("design", "Design"),
        Column("loe", "LoE", True),
        Column("definition", "Definition"),
    ]
    render(
        Result(
            "outcomes",
            cols,
            summaries.outcome_figures(ev, oid, pooled=not no_pooled, indirect=indirect, flt=flt.study_filter()),
            ev.outcomes[oid].label,
        ),
        out,
        f"no figures recorded for {oid}",
    )
