"""The command line: parses arguments, calls the queries, hands results to the renderers."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from nelm import __version__
from nelm.boundary import main  # noqa: F401 - nelm.cli.main runs the CLI in-process
from nelm.errors import EvidenceError, NelmError, UsageError
from nelm.output import FORMATS, Output
from nelm.render import Column, Result, emit, select

EXIT_CODES = """Exit codes: 0 success (also when nothing matches, or when the reader of a pipe stops
early), 1 invalid evidence, unwritable output or another data/runtime error, 2 usage error (unknown
command, option, modality, outcome, field or format), 130 interrupted (Ctrl-C), 143 terminated
(SIGTERM)."""


app = typer.Typer(
    name="nelm",
    help="Explore the published evidence on treatments for neuroendocrine tumour liver metastases.\n\n"
    "Every figure comes with its source. Not a substitute for clinical judgement.",
    epilog="Examples: nelm list | nelm compare tace rfa | nelm studies -m y90 -f json\n\n" + EXIT_CODES,
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


# -- shared options --------------------------------------------------------------------------
def _evidence_dir() -> Path:
    from nelm.evidence.load import shipped_dir

    return shipped_dir()


def _complete_modality(incomplete: str) -> list[str]:
    """Modality ids from file names: no YAML is parsed on TAB."""
    skip = {"outcomes", "bibliography", "background", "synonyms"}
    try:
        names = sorted(p.stem for p in _evidence_dir().glob("*.yaml") if p.stem not in skip)
    except OSError:
        return []
    return [n for n in names if n.startswith(incomplete.lower())]


def _complete_outcome(incomplete: str) -> list[str]:
    from nelm.evidence import yamlsafe

    try:
        doc = yamlsafe.read(str(_evidence_dir() / "outcomes.yaml"))
        ids = [o["id"] for o in doc.get("outcomes", []) if isinstance(o, dict) and isinstance(o.get("id"), str)]
    except (OSError, yamlsafe.YamlProblem, AttributeError):
        return []
    return [i for i in ids if i.startswith(incomplete.lower())]


def _check_format(value: str) -> str:
    key = value.lower()
    if key not in FORMATS:
        from nelm.analysis.lookup import suggest

        raise UsageError(f"unknown format '{value}'", suggest(key, FORMATS) or f"choose from: {', '.join(FORMATS)}")
    return key


Format = Annotated[
    str,
    typer.Option(
        "--format",
        "-f",
        help=f"Output format: {', '.join(FORMATS)}. auto = table on a terminal, tab-separated text when piped.",
        metavar="FORMAT",
    ),
]
Fields = Annotated[
    Optional[str], typer.Option("--fields", help="Comma-separated fields to show (columns; keys in JSON).")
]
NoHeaders = Annotated[bool, typer.Option("--no-headers", help="Omit the header line of tabular formats.")]
NoColor = Annotated[bool, typer.Option("--no-color", help="No colour, even on a terminal.")]
Tumor = Annotated[
    Optional[list[str]],
    typer.Option("--tumor", help="Tumour type (repeatable): carcinoid, small-bowel, pancreatic, mixed, ..."),
]
Design = Annotated[Optional[list[str]], typer.Option("--design", help="Design: rct, prospective, retrospective, ...")]
MinN = Annotated[Optional[int], typer.Option("--min-n", min=0, help="Studies of at least this many patients.")]
Since = Annotated[Optional[int], typer.Option("--since", help="Published in or after this year.")]


def _filter(tumor: list[str] | None, design: list[str] | None, min_n: int | None, since: int | None) -> Any:
    """The study filter of compare, outcomes and show (None when no filter is given)."""
    if not (tumor or design or min_n is not None or since is not None):
        return None
    from nelm.analysis import filters

    for name in tumor or ():
        filters.tumor_set(name)  # a usage error for an unknown name
    for name in design or ():
        filters.design_set(name)
    return filters.StudyFilter(tumors=tuple(tumor or ()), designs=tuple(design or ()), min_n=min_n, since=since)


NoPooled = Annotated[
    bool, typer.Option("--no-pooled", help="No pooled (random-effects) estimates: ranges and single figures only.")
]


def _load() -> Any:
    from nelm.evidence.load import load

    return load()


def _render(
    result: Result, fmt: str, fields: str | None, no_headers: bool, no_color: bool, empty: str = "nothing matches"
) -> None:
    fmt = _check_format(fmt)
    out = Output.from_env(no_color=no_color)
    result = select(result, fields)
    if not result.rows:
        out.note(empty)
    from nelm.pager import paged, terminal_height

    with paged(out, terminal_height()):
        emit(out, result, fmt, headers=not no_headers)


# -- commands --------------------------------------------------------------------------------
@app.command("list", epilog="Example: nelm list | nelm list -f json")
def list_cmd(
    fmt: Format = "auto", fields: Fields = None, no_headers: NoHeaders = False, no_color: NoColor = False
) -> None:
    """List the treatment modalities with a one-line summary, studies and patients."""
    from nelm.analysis import browse

    ev = _load()
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
    _render(Result("list", cols, rows, "NELM treatment modalities"), fmt, fields, no_headers, no_color)


@app.command("show", epilog="Example: nelm show y90 | nelm show resection -f json")
def show_cmd(
    modality: Annotated[
        str, typer.Argument(help="Modality id or alias (e.g. tace, y90, surgery).", autocompletion=_complete_modality)
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
    tumor: Tumor = None,
    design: Design = None,
    min_n: MinN = None,
    since: Since = None,
    fmt: Format = "auto",
    fields: Fields = None,
    no_headers: NoHeaders = False,
    no_color: NoColor = False,
) -> None:
    """One modality: summary, indications, contraindications, head-to-head results, one line per
    outcome, and the numbered references once at the end (NET-specific evidence unless --indirect)."""
    from nelm.analysis import browse, lookup
    from nelm.render import show as profile

    ev = _load()
    m = lookup.resolve(ev, modality)
    sections: tuple[str, ...] = profile.DEFAULT
    if section:
        bad = [x for x in section if x not in profile.SECTIONS]
        if bad:
            raise UsageError(f"unknown section '{bad[0]}'", f"choose from: {', '.join(profile.SECTIONS)}")
        sections = tuple(x for x in profile.SECTIONS if x in section)
        if "references" not in sections and sections != ("summary",):
            sections = (*sections, "references")
    rows = profile.rows(ev, m, sections, indirect=indirect, flt=_filter(tumor, design, min_n, since))
    out = Output.from_env(no_color=no_color)
    if out.resolve_format(_check_format(fmt)) == "table" and not fields:
        from nelm.pager import paged, terminal_height

        with paged(out, terminal_height()):
            profile.write(out, m, rows, out.table_width())
        return
    cols = [Column("section", "Section"), Column("text", "Text"), Column("source", "Refs")]
    result = Result("show", cols, rows, m.name, json_rows=[browse.profile(ev, m)])
    _render(result, fmt, fields, no_headers, no_color)


@app.command("compare", epilog="Example: nelm compare tace rfa | nelm compare y90 tace --outcome os --detail")
def compare_cmd(
    modalities: Annotated[
        list[str], typer.Argument(help="Two or more modality ids or aliases.", autocompletion=_complete_modality)
    ],
    outcome: Annotated[
        Optional[list[str]],
        typer.Option("--outcome", "-o", help="Only this outcome (repeatable).", autocompletion=_complete_outcome),
    ] = None,
    detail: Annotated[bool, typer.Option("--detail", help="Every study's figure with definition and design.")] = False,
    all_outcomes: Annotated[
        bool, typer.Option("--all", help="Every outcome with NET data, not only the core outcomes.")
    ] = False,
    indirect: Annotated[
        bool, typer.Option("--indirect", help="Add indirect (non-NET) evidence in its own rows, after the NET rows.")
    ] = False,
    no_pooled: NoPooled = False,
    tumor: Tumor = None,
    design: Design = None,
    min_n: MinN = None,
    since: Since = None,
    fmt: Format = "auto",
    fields: Fields = None,
    no_headers: NoHeaders = False,
    no_color: NoColor = False,
) -> None:
    """Compare modalities side by side: one column per modality, one row per outcome.

    Each cell summarises the figures of one kind (e.g. 5-year survival) as their range across
    studies; --detail lists every study's figure with its definition and design."""
    from nelm.analysis import lookup, summaries

    ev = _load()
    mods = []
    for name in modalities:
        m = lookup.resolve(ev, name)
        if m not in mods:
            mods.append(m)
    if len(mods) < 2:
        raise UsageError("compare needs at least two different modalities", "e.g. nelm compare tace rfa")
    outcomes = [lookup.resolve_outcome(ev, o) for o in outcome] if outcome else None
    flt = _filter(tumor, design, min_n, since)
    rows = summaries.compare(
        ev, mods, outcomes, detail, pooled=not no_pooled, all_outcomes=all_outcomes, indirect=indirect, flt=flt
    )
    names = [lookup.short_name(m) for m in mods]
    cols = [Column("row", "", cap=14)] + [Column(m.id, name) for m, name in zip(mods, names, strict=True)]
    what = "Every figure" if detail else "Summary of findings"
    scope = "" if indirect else " (NET-specific evidence)"
    _render(
        Result("compare", cols, rows, f"{what}: {' vs '.join(names)}{scope}"),
        fmt,
        fields,
        no_headers,
        no_color,
        "no figures for these outcomes",
    )


@app.command(
    "studies",
    epilog="Examples: nelm studies -m tace --design prospective | "
    "nelm studies --outcome os --min-n 50 --sort n --reverse -f json",
)
def studies_cmd(
    modality: Annotated[
        Optional[list[str]],
        typer.Option(
            "--modality", "-m", help="Modality (repeatable; aliases work).", autocompletion=_complete_modality
        ),
    ] = None,
    outcome: Annotated[
        Optional[list[str]],
        typer.Option("--outcome", "-o", help="Outcome id (repeatable).", autocompletion=_complete_outcome),
    ] = None,
    tumor: Annotated[
        Optional[list[str]], typer.Option("--tumor", help="Tumour type: carcinoid, small-bowel, pancreatic, mixed, ...")
    ] = None,
    design: Annotated[
        Optional[list[str]],
        typer.Option("--design", help="Design: rct, prospective, retrospective, systematic-review, ..."),
    ] = None,
    min_n: Annotated[Optional[int], typer.Option("--min-n", min=0, help="At least this many patients.")] = None,
    since: Annotated[Optional[int], typer.Option("--since", help="Published in or after this year.")] = None,
    until: Annotated[Optional[int], typer.Option("--until", help="Published in or before this year.")] = None,
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
    fmt: Format = "auto",
    fields: Fields = None,
    no_headers: NoHeaders = False,
    no_color: NoColor = False,
) -> None:
    """One row per study finding, filtered and sorted."""
    from nelm.analysis import browse, filters, lookup

    ev = _load()
    flt = filters.StudyFilter(
        modalities=tuple(lookup.resolve(ev, m).id for m in modality or ()),
        outcomes=tuple(lookup.resolve_outcome(ev, o) for o in outcome or ()),
        tumors=tuple(tumor or ()),
        designs=tuple(design or ()),
        min_n=min_n,
        since=since,
        until=until,
        text=text,
        techniques=tuple(lookup.resolve_technique(ev, t) for t in technique or ()),
        net_only=net_only,
    )
    rows = browse.study_rows(ev, flt)
    # A column that would only repeat the filter (one modality, one outcome) is left out of the
    # default columns; --fields and JSON still have it.
    repeats = {"modality"} if len(flt.modalities) == 1 else set()
    repeats |= {"outcome"} if len(flt.outcomes) == 1 else set()
    columns = [c for c in STUDY_COLUMNS if c.key not in repeats]
    title = "Study findings" + "".join(f": {v[0]}" for v in (flt.modalities, flt.outcomes) if len(v) == 1)
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
    _render(result, fmt, fields, no_headers, no_color, "no study findings match")


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
def outcomes_cmd(
    outcome: Annotated[
        Optional[str],
        typer.Argument(help="An outcome id; omit to list the vocabulary.", autocompletion=_complete_outcome),
    ] = None,
    no_pooled: NoPooled = False,
    indirect: Annotated[
        bool, typer.Option("--indirect", help="Add indirect (non-NET) evidence after the NET figures.")
    ] = False,
    tumor: Tumor = None,
    design: Design = None,
    min_n: MinN = None,
    since: Since = None,
    fmt: Format = "auto",
    fields: Fields = None,
    no_headers: NoHeaders = False,
    no_color: NoColor = False,
) -> None:
    """The outcome vocabulary, or every modality's figures for one outcome, grouped by modality and
    measure, each group's pooled estimate first (NET-specific evidence unless --indirect)."""
    from nelm.analysis import browse, lookup, summaries

    ev = _load()
    if outcome is None:
        cols = [
            Column("id", "Outcome"),
            Column("label", "Label"),
            Column("kind", "Kind"),
            Column("unit", "Unit"),
            Column("category", "Category"),
            Column("findings", "Findings", True),
        ]
        _render(
            Result("outcomes", cols, browse.outcome_rows(ev), "Outcome vocabulary"), fmt, fields, no_headers, no_color
        )
        return
    oid = lookup.resolve_outcome(ev, outcome)
    cols = [
        Column("modality", "Modality"),
        Column("figure", "Figure"),
        Column("design", "Design"),
        Column("loe", "LoE", True),
        Column("definition", "Definition"),
    ]
    _render(
        Result(
            "outcomes",
            cols,
            summaries.outcome_figures(
                ev, oid, pooled=not no_pooled, indirect=indirect, flt=_filter(tumor, design, min_n, since)
            ),
            ev.outcomes[oid].label,
        ),
        fmt,
        fields,
        no_headers,
        no_color,
        f"no figures recorded for {oid}",
    )


@app.command(
    "forest",
    epilog="Examples: nelm forest symptom-response | nelm forest major-complication tace embolization -o plot.svg",
)
def forest_cmd(
    outcome: Annotated[
        str, typer.Argument(help="An outcome id, e.g. symptom-response.", autocompletion=_complete_outcome)
    ],
    modalities: Annotated[
        Optional[list[str]],
        typer.Argument(help="Modality ids or aliases (default: every modality).", autocompletion=_complete_modality),
    ] = None,
    tumor: Annotated[
        Optional[list[str]], typer.Option("--tumor", help="Tumour type: carcinoid, pancreatic, ...")
    ] = None,
    design: Annotated[Optional[list[str]], typer.Option("--design", help="Design: rct, prospective, ...")] = None,
    min_n: Annotated[Optional[int], typer.Option("--min-n", min=0, help="At least this many patients.")] = None,
    since: Annotated[Optional[int], typer.Option("--since", help="Published in or after this year.")] = None,
    until: Annotated[Optional[int], typer.Option("--until", help="Published in or before this year.")] = None,
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
    ev = _load()
    oid = lookup.resolve_outcome(ev, outcome)
    mods = []
    for name in modalities or ():
        m = lookup.resolve(ev, name)
        if m not in mods:
            mods.append(m)
    flt = filters.StudyFilter(
        tumors=tuple(tumor or ()),
        designs=tuple(design or ()),
        min_n=min_n,
        since=since,
        until=until,
        net_only=not indirect,
    )
    groups = summaries.forest(ev, oid, mods, flt)
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
    from nelm.output import terminal_width
    from nelm.render.forest import forest_lines

    unicode = out.stdout_tty and os.environ.get("TERM") != "dumb"
    width = terminal_width(out.stdout) if out.stdout_tty else 80
    text = "\n".join(forest_lines(groups, width=max(width, 60), unicode=unicode))
    out.stdout.write(text + ("\n" if text else ""))


@app.command(
    "search",
    epilog="Example: nelm search whipple abscess | nelm search sirt --author kennedy | nelm search crisis -f json",
)
def search_cmd(
    words: Annotated[
        Optional[list[str]], typer.Argument(help="Words to find, in any order, as whole words (synonyms count).")
    ] = None,
    author: Annotated[
        Optional[str],
        typer.Option("--author", metavar="NAME", help="Only records citing a source by this author (surname)."),
    ] = None,
    fmt: Format = "auto",
    fields: Fields = None,
    no_headers: NoHeaders = False,
    no_color: NoColor = False,
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
    ev = _load()
    table = Output.from_env(no_color=no_color).resolve_format(_check_format(fmt)) == "table"
    cols = [
        Column("modality", "Modality"),
        Column("study", "Study"),
        Column("field", "Field"),
        Column("text", "Text", show=(lambda r: r["snippet"]) if table else None),
        Column("citation", "Citation"),
    ]
    what = " ".join(x for x in (f"'{text}'" if term_key(text) else "", f"by {author}" if author else "") if x)
    _render(
        Result("search", cols, search.search(ev, text, author), f"Search: {what}", extra_fields=["location"]),
        fmt,
        fields,
        no_headers,
        no_color,
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
def match_cmd(
    modalities: Annotated[
        Optional[list[str]],
        typer.Argument(help="Only these modalities (default: every treatment).", autocompletion=_complete_modality),
    ] = None,
    profile_file: ProfileFile = None,
    fmt: Format = "auto",
    fields: Fields = None,
    no_headers: NoHeaders = False,
    no_color: NoColor = False,
    **answers: Any,
) -> None:
    """Which options fit this patient: a verdict for each modality (candidate, caution, not-suitable,
    insufficient-information), most suitable first, with every reason and its source, the risks
    that apply to this patient, and the unknown fields that could change the verdict.

    The rules are each modality's selection criteria in the evidence (guideline, consensus or study
    positions); nelm only compares the profile with them. Not a substitute for the tumour board."""
    from nelm.analysis import lookup, match

    pat = _patient(profile_file, answers)
    ev = _load()
    mods = []
    for name in modalities or ():
        m = lookup.resolve(ev, name)
        if m not in mods:
            mods.append(m)
    results = match.match(ev, pat, mods or None)
    records = [match.record(ev, r) for r in results]
    out = Output.from_env(no_color=no_color)
    if out.resolve_format(_check_format(fmt)) == "table" and not fields:
        from nelm.pager import paged, terminal_height
        from nelm.render import match_text

        shown = [
            dict(
                rec,
                no_reason=match.NO_RULES if not r.modality.criteria else "no criterion applies to this profile",
                risks=[dict(k, lines=match.risk_lines(ev, k)) for k in rec["risks"]],
            )
            for r, rec in zip(results, records, strict=True)
        ]
        with paged(out, terminal_height()):
            match_text.write(out, match.describe(pat), shown, out.table_width())
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
    _render(result, fmt, fields, no_headers, no_color)


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
            autocompletion=_complete_modality,
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
            autocompletion=_complete_outcome,
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
    ev = _load()
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
def refs_cmd(
    modalities: Annotated[
        Optional[list[str]], typer.Argument(help="Modalities (default: all).", autocompletion=_complete_modality)
    ] = None,
    fmt: Format = "auto",
    fields: Fields = None,
    no_headers: NoHeaders = False,
    no_color: NoColor = False,
) -> None:
    """The sources behind the figures, numbered, in Vancouver style."""
    from nelm.analysis import browse, lookup

    ev = _load()
    mods = [lookup.resolve(ev, m) for m in modalities] if modalities else None
    cols = [Column("number", "#", True), Column("citation", "Reference"), Column("url", "Read at")]
    _render(Result("refs", cols, browse.ref_rows(ev, mods), "References"), fmt, fields, no_headers, no_color)


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


def _version(value: bool) -> None:
    if value:
        print(f"nelm {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
    no_pager: Annotated[
        bool,
        typer.Option(
            "--no-pager", help="Never page long output (default on a terminal: $NELM_PAGER, $PAGER or less -FRX)."
        ),
    ] = False,
) -> None:
    """Explore the published evidence on treatments for neuroendocrine tumour liver metastases."""
    if no_pager:
        os.environ["NELM_NO_PAGER"] = "1"
