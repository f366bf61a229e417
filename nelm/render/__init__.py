"""Rendering: a command's result as table, JSON, JSON lines, CSV, TSV or Markdown.

Renderers are imported lazily so that the machine formats never load Rich."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from nelm.errors import UsageError
from nelm.render.output import Output

SCHEMA_VERSION = 2


@dataclass
class Column:
    key: str
    header: str
    numeric: bool = False
    show: Callable[[dict[str, Any]], Any] | None = None  # display value for tabular formats
    cap: int | None = None  # a table column no wider than this (labels that may wrap), never below its minimum

    def value(self, row: dict[str, Any]) -> Any:
        return self.show(row) if self.show else row.get(self.key)


@dataclass
class Result:
    """What a command produced: records plus the columns to show by default."""

    command: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    title: str = ""
    extra_fields: list[str] = field(default_factory=list)  # selectable with --fields, hidden by default
    json_rows: list[dict[str, Any]] | None = None  # richer records for JSON, when they differ from rows
    envelope: dict[str, Any] = field(default_factory=dict)  # more top-level JSON keys (match: the profile)

    def row_fields(self) -> list[str]:
        """Keys of the tabular rows (when json_rows is None, also the keys of the JSON records)."""
        keys = [c.key for c in self.columns] + self.extra_fields
        if self.rows:
            return _union(keys, self.rows[0])
        return keys if self.json_rows is not None else _union(keys, record_fields(self))

    def json_fields(self) -> list[str]:
        if self.json_rows is None:
            return self.row_fields()
        return list(self.json_rows[0]) if self.json_rows else record_fields(self)

    def fields(self) -> list[str]:
        return _union(self.row_fields(), self.json_fields())


def _union(keys: list[str], more: Any) -> list[str]:
    return keys + [k for k in more if k not in keys]


def record_fields(result: Result) -> list[str]:
    """The documented keys of a command's records (docs/json-schema.md), so that --fields is judged
    the same whether or not anything matched."""
    from nelm.analysis.figures import RECORD_FIELDS

    declared = {
        "list": "id name category studies indirect_studies patients patients_incomplete summary aliases reviewed searched",
        "show": "id name category aliases reviewed summary description indications contraindications statements criteria "
        "techniques studies indirect_studies patients patients_incomplete findings comparisons",
        "compare": "row outcome section",
        "search": "modality study field text snippet matched citation location",
        "refs": "number id citation type year pmid doi url read",
        "match": "modality name verdict reasons risks missing searched reviewed",
    }
    figures = ["modality", *RECORD_FIELDS]
    if result.command == "outcomes" and "figure" not in [c.key for c in result.columns]:
        return "id label kind unit higher_is_better category findings description".split()
    if result.command in ("studies", "outcomes"):
        return figures
    return declared.get(result.command, "").split()


def select(result: Result, fields: str | None) -> Result:
    """Apply --fields: keep the named columns (tabular) and keys (JSON), in the order given.

    A command whose table rows differ from its JSON records (show) takes the fields from whichever
    of the two has them all, for both outputs."""
    if not fields:
        return result
    wanted = [f.strip() for f in fields.split(",") if f.strip()]
    valid = result.fields()
    if not wanted:
        raise UsageError("--fields is empty", f"choose from: {', '.join(valid)}")
    for name in wanted:
        if name not in valid:
            from nelm.analysis.lookup import suggest

            hint = suggest(name, valid)
            raise UsageError(
                f"unknown field '{name}' for {result.command}",
                (hint + " " if hint else "") + f"choose from: {', '.join(valid)}",
            )
    in_rows = set(wanted) <= set(result.row_fields())
    in_json = set(wanted) <= set(result.json_fields())
    if not (in_rows or in_json):
        raise UsageError(
            f"--fields mixes fields of the table ({', '.join(k for k in wanted if k in result.row_fields())}) "
            f"and of the record ({', '.join(k for k in wanted if k not in result.row_fields())}) "
            f"of {result.command}",
            "choose fields from one of them",
        )
    rows = result.rows if in_rows or result.json_rows is None else result.json_rows
    records = result.json_rows if in_json and result.json_rows is not None else result.rows
    headers = {c.key: c for c in result.columns}
    columns = [headers.get(k, Column(k, k)) for k in wanted]
    # Table rows stay whole: display helpers may read keys that were not selected.
    return Result(
        result.command,
        columns,
        rows,
        result.title,
        json_rows=[{k: r.get(k) for k in wanted} for r in records],
        envelope=result.envelope,
    )


def emit(out: Output, result: Result, fmt: str, *, headers: bool = True) -> None:
    fmt = out.resolve_format(fmt)
    if fmt in ("json", "jsonl"):
        from nelm.render import jsonout

        jsonout.write(out, result, lines=fmt == "jsonl")
    elif fmt == "table":
        from nelm.render import table

        table.write(out, result, headers=headers)
    else:
        from nelm.render import plain

        plain.write(out, result, fmt, headers=headers)
