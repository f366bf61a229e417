"""Options shared by the commands, each declared once: the output options (-f/--format, --fields,
--no-headers, --no-color) and the study filter (--tumor, --design, --min-n, --since, --until).

A command asks for them with a placeholder parameter and a decorator, in the spirit of
sqlite-utils' `output_options`; the options appear in --help where the placeholder stands:

    @app.command("list")
    @output_options
    def list_cmd(out: OutputOptions = OUTPUT) -> None: ...
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from nelm.errors import UsageError
from nelm.render import Result, emit, select
from nelm.render.output import FORMATS, Output

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
Until = Annotated[Optional[int], typer.Option("--until", help="Published in or before this year.")]
NoPooled = Annotated[
    bool, typer.Option("--no-pooled", help="No pooled (random-effects) estimates: ranges and single figures only.")
]


@dataclass(frozen=True)
class OutputOptions:
    """What -f/--format, --fields, --no-headers and --no-color asked for."""

    fmt: str = "auto"
    fields: str | None = None
    no_headers: bool = False
    no_color: bool = False

    def output(self) -> Output:
        return Output.from_env(no_color=self.no_color)

    def table(self, out: Output) -> bool:
        """True when the result goes out as a table: a hand-drawn page may replace it (show, match)."""
        return out.resolve_format(check_format(self.fmt)) == "table"


@dataclass(frozen=True)
class FilterOptions:
    """What --tumor, --design, --min-n, --since (and --until) asked for."""

    tumor: tuple[str, ...] = ()
    design: tuple[str, ...] = ()
    min_n: int | None = None
    since: int | None = None
    until: int | None = None

    def fields(self) -> dict[str, Any]:
        """The StudyFilter fields, for commands that add their own (studies, forest)."""
        return {
            "tumors": self.tumor,
            "designs": self.design,
            "min_n": self.min_n,
            "since": self.since,
            "until": self.until,
        }

    def study_filter(self) -> Any:
        """The study filter of compare, outcomes and show (None when no filter is given)."""
        if not (self.tumor or self.design or self.min_n is not None or self.since is not None):
            return None
        from nelm.analysis import filters

        for name in self.tumor:
            filters.tumor_set(name)  # a usage error for an unknown name
        for name in self.design:
            filters.design_set(name)
        return filters.StudyFilter(**self.fields())


OUTPUT: Any = OutputOptions()  # placeholders: the decorators put the options where these stand
FILTER: Any = FilterOptions()


def _expand(placeholder: str, params: list[tuple[str, Any, Any]], build: Callable[..., Any]) -> Callable[..., Any]:
    """Replace the parameter `placeholder` of a command by `params` (name, annotation, default); the
    command receives build(**their values) in its place."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        sig = inspect.signature(func, eval_str=True)  # resolved: Typer reads __signature__ as it is
        new = []
        for p in sig.parameters.values():
            if p.name == placeholder:
                new += [inspect.Parameter(n, p.kind, default=d, annotation=a) for n, a, d in params]
            else:
                new.append(p)

        @functools.wraps(func)
        def command(*args: Any, **kwargs: Any) -> Any:
            values = {n: kwargs.pop(n, d) for n, _, d in params}
            return func(*args, **{placeholder: build(**values)}, **kwargs)

        command.__signature__ = sig.replace(parameters=new)  # type: ignore[attr-defined]
        return command

    return decorate


output_options = _expand(
    "out",
    [("fmt", Format, "auto"), ("fields", Fields, None), ("no_headers", NoHeaders, False), ("no_color", NoColor, False)],
    OutputOptions,
)


def filter_options(*, until: bool = False) -> Callable[..., Any]:
    """The study-filter options; --until only where a year range makes sense (studies, forest)."""
    params = [("tumor", Tumor, None), ("design", Design, None), ("min_n", MinN, None), ("since", Since, None)]
    if until:
        params.append(("until", Until, None))

    def build(tumor: list[str] | None, design: list[str] | None, **rest: int | None) -> FilterOptions:
        return FilterOptions(tuple(tumor or ()), tuple(design or ()), **rest)

    return _expand("flt", params, build)


def check_format(value: str) -> str:
    key = value.lower()
    if key not in FORMATS:
        from nelm.analysis.lookup import suggest

        raise UsageError(f"unknown format '{value}'", suggest(key, FORMATS) or f"choose from: {', '.join(FORMATS)}")
    return key


def render(result: Result, opts: OutputOptions, empty: str = "nothing matches") -> None:
    """Write `result` as the output options ask, paged on a terminal; a note on stderr when empty."""
    fmt = check_format(opts.fmt)
    out = opts.output()
    result = select(result, opts.fields)
    if not result.rows:
        out.note(empty)
    from nelm.cli.pager import paged, terminal_height

    with paged(out, terminal_height()):
        emit(out, result, fmt, headers=not opts.no_headers)


def load() -> Any:
    from nelm.evidence.load import load

    return load()


# -- completion: modality ids from file names, no YAML parsed on TAB ------------------------------
def _evidence_dir() -> Path:
    from nelm.evidence.load import shipped_dir

    return shipped_dir()


def complete_modality(incomplete: str) -> list[str]:
    """Modality ids from file names: no YAML is parsed on TAB."""
    skip = {"outcomes", "bibliography", "background", "synonyms"}
    try:
        names = sorted(p.stem for p in _evidence_dir().glob("*.yaml") if p.stem not in skip)
    except OSError:
        return []
    return [n for n in names if n.startswith(incomplete.lower())]


def complete_outcome(incomplete: str) -> list[str]:
    from nelm.evidence import yamlsafe

    try:
        doc = yamlsafe.read(str(_evidence_dir() / "outcomes.yaml"))
        ids = [o["id"] for o in doc.get("outcomes", []) if isinstance(o, dict) and isinstance(o.get("id"), str)]
    except (OSError, yamlsafe.YamlProblem, AttributeError):
        return []
    return [i for i in ids if i.startswith(incomplete.lower())]
