"""CSV, TSV and Markdown: plain text with no colour, no box drawing and no truncation."""

from __future__ import annotations

import csv

from nelm.output import Output
from nelm.render import Result
from nelm.render.cells import text


def write(out: Output, result: Result, fmt: str, *, headers: bool = True) -> None:
    if fmt == "csv":
        w = csv.writer(out.stdout, lineterminator="\n")
        if headers:
            w.writerow([c.key for c in result.columns])
        for row in result.rows:
            w.writerow([text(c.value(row), " | ") for c in result.columns])
    elif fmt == "tsv":
        if headers:
            out.stdout.write("\t".join(c.key for c in result.columns) + "\n")
        for row in result.rows:
            out.stdout.write("\t".join(_tsv(text(c.value(row), " | ")) for c in result.columns) + "\n")
    else:
        if headers:
            out.stdout.write("| " + " | ".join(_md(c.header) for c in result.columns) + " |\n")
            out.stdout.write("|" + "|".join("---:" if c.numeric else "---" for c in result.columns) + "|\n")
        for row in result.rows:
            out.stdout.write("| " + " | ".join(_md(text(c.value(row), "<br>")) for c in result.columns) + " |\n")


def _tsv(s: str) -> str:
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n")


def _md(s: str) -> str:
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")
