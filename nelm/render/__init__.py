"""Rendering: a command's result as table, JSON, JSON lines, CSV, TSV or Markdown.

Renderers are imported lazily so that the machine formats never load Rich."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from nelm.errors import UsageError
from nelm.output import Output

SCHEMA_VERSION = 1


@dataclass
class Column:
    key: str
    header: str
    numeric: bool = False
    show: Callable[[dict[str, Any]], Any] | None = None  # display value for tabular formats

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

    def fields(self) -> list[str]:
        keys = [c.key for c in self.columns] + self.extra_fields
        for row in (self.json_rows or self.rows)[:1]:
            keys += [k for k in row if k not in keys]
        return keys


def select(result: Result, fields: str | None) -> Result:
    """Apply --fields: keep the named columns (tabular) and keys (JSON), in the order given."""
    if not fields:
        return result
    wanted = [f.strip() for f in fields.split(",") if f.strip()]
    valid = result.fields()
    if not wanted:
        raise UsageError("--fields is empty", f"choose from: {', '.join(valid)}")
    for name in wanted:
        if name not in valid:
            from nelm.query import suggest

            raise UsageError(
                f"unknown field '{name}' for {result.command}",
                (suggest(name, valid) + " " if suggest(name, valid) else "") + f"choose from: {', '.join(valid)}",
            )
    headers = {c.key: c for c in result.columns}
    columns = [headers.get(k, Column(k, k)) for k in wanted]
    source = result.json_rows or result.rows
    projected = [{k: r.get(k) for k in wanted} for r in source]
    # Display helpers may read keys that were not selected (e.g. patients_incomplete for patients).
    shown = (
        [{**r, **p} for r, p in zip(result.rows, projected, strict=True)]
        if len(result.rows) == len(projected)
        else projected
    )
    return Result(result.command, columns, shown, result.title, json_rows=projected)


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
