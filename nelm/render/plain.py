"""CSV, TSV and Markdown: plain text with no colour, no box drawing and no truncation.

Cells are made safe for their readers (see nelm.render.cells): control characters escaped,
spreadsheet formulas neutralised, HTML escaped in Markdown."""

from __future__ import annotations

import csv

from nelm.render import Result
from nelm.render.cells import csv_cell, markdown, text, tsv
from nelm.render.output import Output


def _raw(s: str) -> str:
    return s


def write(out: Output, result: Result, fmt: str, *, headers: bool = True) -> None:
    if fmt == "csv":
        w = csv.writer(out.stdout, lineterminator="\n")
        if headers:
            w.writerow([csv_cell(c.key) for c in result.columns])
        for row in result.rows:
            w.writerow([csv_cell(text(c.value(row), " | ", _raw)) for c in result.columns])
    elif fmt == "tsv":
        if headers:
            out.stdout.write("\t".join(tsv(c.key) for c in result.columns) + "\n")
        for row in result.rows:
            out.stdout.write("\t".join(tsv(text(c.value(row), " | ", _raw)) for c in result.columns) + "\n")
    else:
        if headers:
            out.stdout.write("| " + " | ".join(markdown(c.header) for c in result.columns) + " |\n")
            out.stdout.write("|" + "|".join("---:" if c.numeric else "---" for c in result.columns) + "|\n")
        for row in result.rows:
            cells = (text(c.value(row), "<br>", markdown) for c in result.columns)
            out.stdout.write("| " + " | ".join(cells) + " |\n")
