"""JSON and JSON-lines output: a stable, versioned envelope; numbers stay numbers.

Text stays UTF-8, but every character a terminal would act on is written as a \\uXXXX escape, so
the document parses to exactly the evidence's text and never drives a terminal when shown."""

from __future__ import annotations

import json
import re

from nelm.render import SCHEMA_VERSION, Result
from nelm.render.output import UNSAFE, Output

_UNSAFE = re.compile(f"[{UNSAFE}]")  # json.dumps already escapes U+0000-U+001F; this adds the rest


def _escape(m: re.Match[str]) -> str:
    return f"\\u{ord(m.group()):04x}"


def dumps(value: object, indent: int | None = None) -> str:
    return _UNSAFE.sub(_escape, json.dumps(value, ensure_ascii=False, allow_nan=False, indent=indent))


def write(out: Output, result: Result, *, lines: bool) -> None:
    rows = result.json_rows if result.json_rows is not None else result.rows
    if lines:
        for row in rows:
            out.stdout.write(dumps(row) + "\n")
        return
    doc = {"schema_version": SCHEMA_VERSION, "command": result.command, **result.envelope}
    doc.update(count=len(rows), results=rows)
    out.stdout.write(dumps(doc, 2 if out.stdout_tty else None) + "\n")
