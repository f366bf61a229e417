"""JSON and JSON-lines output: a stable, versioned envelope; numbers stay numbers."""

from __future__ import annotations

import json

from nelm.output import Output
from nelm.render import SCHEMA_VERSION, Result


def write(out: Output, result: Result, *, lines: bool) -> None:
    rows = result.json_rows if result.json_rows is not None else result.rows
    if lines:
        for row in rows:
            out.stdout.write(json.dumps(row, ensure_ascii=False, allow_nan=False) + "\n")
        return
    doc = {"schema_version": SCHEMA_VERSION, "command": result.command, "count": len(rows), "results": rows}
    indent = 2 if out.stdout_tty else None
    out.stdout.write(json.dumps(doc, ensure_ascii=False, allow_nan=False, indent=indent) + "\n")
