"""The commands: each parses its arguments, calls the analysis and hands the result to a renderer."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from nelm.cli.app import app
from nelm.cli.options import (
    FILTER,
    OUTPUT,
    FilterOptions,
    NoColor,
    NoPooled,
    OutputOptions,
    complete_modality,
    complete_outcome,
    filter_options,
    load,
    output_options,
    render,
)
from nelm.cli.output import Output
from nelm.errors import EvidenceError, NelmError, UsageError
from nelm.render import Column, Result


# -- commands --------------------------------------------------------------------------------
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
            help="Only these sections (repeatable): summary, indications, contraindications, statements, "
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
    from nelm.render import show as profile

    ev = load()
    m = lookup.resolve(ev, modality)
    sections: tuple[str, ...] = profile.DEFAULT
    if section:
        bad = [x for x in section if x not in profile.SECTIONS]
        if bad:
            raise UsageError(f"unknown section '{bad[0]}'", f"choose from: {', '.join(profile.SECTIONS)}")
        sections = tuple(x for x in profile.SECTIONS if x in section)
        if "references" not in sections and sections != ("summary",):
            sections = (*sections, "references")
    rows = profile.rows(ev, m, sections, indirect=indirect, flt=flt.study_filter())
    page = out.output()
    if out.table(page) and not out.fields:
        from nelm.cli.pager import paged, terminal_height

        with paged(page, terminal_height()):
            profile.write(page, m, rows, page.table_width())
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
    mods = []
    for name in modalities:
        m = lookup.resolve(ev, name)
        if m not in mods:
            mods.append(m)
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
    mods = []
    for name in modalities or ():
        m = lookup.resolve(ev, name)
        if m not in mods:
            mods.append(m)
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
        from nelm.render.forest_image import PlotUnavailable, write_forest_image

        try:
            write_forest_image(groups, output)
        except PlotUnavailable as e:
            raise UsageError(str(e).split(":")[0], e.hint) from None
        except ValueError as e:
            raise UsageError(str(e)) from None
        except OSError as e:
            raise NelmError(f"cannot write {output}: {e.strerror or e}") from None
    if fmt == "json":
        from nelm.analysis.synthesis import pool_record
        from nelm.render import jsonout

        records = [dict(g, pooled=pool_record(g["pooled"])) for g in groups]
        jsonout.write(out, Result("forest", [], records), lines=False)
        return
    from nelm.cli.output import terminal_width
    from nelm.render.forest import forest_lines

    unicode = out.stdout_tty and os.environ.get("TERM") != "dumb"
    width = terminal_width(out.stdout) if out.stdout_tty else 80
    text = "\n".join(forest_lines(groups, width=max(width, 60), unicode=unicode))
    out.stdout.write(text + ("\n" if text else ""))


@app.command(
    "search",
    epilog="Example: nelm search whipple abscess | nelm search sirt --author kennedy | nelm search crisis -f json",
)
@output_options
def search_cmd(
    words: Annotated[
        Optional[list[str]], typer.Argument(help="Words to find, in any order, as whole words (synonyms count).")
    ] = None,
    author: Annotated[
        Optional[str],
        typer.Option("--author", metavar="NAME", help="Only records citing a source by this author (surname)."),
    ] = None,
    out: OutputOptions = OUTPUT,
) -> None:
    """Find studies, indications, statements, profiles and references holding every word (or a synonym
    from synonyms.yaml), case- and accent-insensitive."""
    from nelm.analysis import search
    from nelm.evidence.validate.synonyms import term_key

    text = " ".join(words or [])
    if author is not None and not term_key(author):
        raise UsageError("--author is empty", "e.g. nelm search --author kennedy")
    if not term_key(text) and author is None:
        raise UsageError("search text is empty", "e.g. nelm search abscess")
    ev = load()
    table = out.table(out.output())
    cols = [
        Column("modality", "Modality"),
        Column("study", "Study"),
        Column("field", "Field"),
        Column("text", "Text", show=(lambda r: r["snippet"]) if table else None),
        Column("citation", "Citation"),
    ]
    what = " ".join(x for x in (f"'{text}'" if term_key(text) else "", f"by {author}" if author else "") if x)
    render(
        Result("search", cols, search.search(ev, text, author), f"Search: {what}", extra_fields=["location"]),
        out,
        f"no matches for {what}",
    )


def _with_profile_flags(func: Any) -> Any:
    """Give a command one option per profile field (--burden-pct 40, --bilioenteric-anastomosis yes),
    from the one table of fields in nelm.analysis.patient; the values arrive in the command's **answers."""
    import inspect

    from nelm.analysis.patient import FIELDS

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
    from nelm.analysis import patient

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
    mods = []
    for name in modalities or ():
        m = lookup.resolve(ev, name)
        if m not in mods:
            mods.append(m)
    results = match.match(ev, pat, mods or None)
    records = [match.record(ev, r) for r in results]
    page = out.output()
    if out.table(page) and not out.fields:
        from nelm.cli.pager import paged, terminal_height
        from nelm.render import match_text

        shown = [
            dict(
                rec,
                no_reason=match.NO_RULES if not r.modality.criteria else "no criterion applies to this profile",
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
    mods = []
    for name in modalities or ():
        m = lookup.resolve(ev, name)
        if m not in mods:
            mods.append(m)
    doc = brief.build(ev, mods, pat)
    if fmt == "html":
        from nelm.render import brief_html

        svg = (
            _forest_svg(ev, forest, [m for m in ev.treatments if m.id in {i for i, _ in doc.modalities}])
            if forest
            else None
        )
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
    from nelm.render.forest_image import PlotUnavailable, write_forest_image

    oid = lookup.resolve_outcome(ev, outcome)
    groups = summaries.forest(ev, oid, mods, filters.StudyFilter(net_only=True))
    if not groups:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "forest.svg"
        try:
            write_forest_image(groups, path)
        except PlotUnavailable as e:
            raise UsageError(str(e).split(":")[0], e.hint) from None
        svg = path.read_text(encoding="utf-8")
    return svg[svg.index("<svg") :]


@app.command("refs", epilog="Example: nelm refs tace rfa | nelm refs -f csv > refs.csv")
@output_options
def refs_cmd(
    modalities: Annotated[
        Optional[list[str]], typer.Argument(help="Modalities (default: all).", autocompletion=complete_modality)
    ] = None,
    out: OutputOptions = OUTPUT,
) -> None:
    """The sources behind the figures, numbered, in Vancouver style."""
    from nelm.analysis import browse, lookup

    ev = load()
    mods = [lookup.resolve(ev, m) for m in modalities] if modalities else None
    cols = [Column("number", "#", True), Column("citation", "Reference"), Column("url", "Read at")]
    render(Result("refs", cols, browse.ref_rows(ev, mods), "References"), out)


@app.command("validate", epilog="Example: nelm validate | nelm validate my-overlay/ extra.yaml")
def validate_cmd(
    paths: Annotated[
        Optional[list[Path]], typer.Argument(help="Files or folders (default: the shipped evidence).")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only problems.")] = False,
) -> None:
    """Check evidence files: structure, types, ranges and cross-references. Exit 1 when any problem is found."""
    from nelm.evidence.load import build

    evidence, problems = build(list(paths) if paths else None)
    if problems:
        raise EvidenceError(problems)
    if not quiet:
        studies = evidence.studies()
        Output.from_env().note(
            f"ok: {len(evidence.files)} files, {len(evidence.treatments)} modalities, {len(studies)} studies, "
            f"{sum(len(s.findings) for s in studies)} findings, {len(evidence.sources)} sources"
        )
