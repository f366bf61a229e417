"""Turning record values into cell text for the tabular formats, and making cells safe for the
programs that read them (terminals, spreadsheets, Markdown viewers)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from nelm.render.output import printable


def items(value: Any) -> list[str]:
    """A value as a list of display strings (figure records show their 'figure' text)."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [str(value.get("figure", value))]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in items(v)]
    if isinstance(value, bool):
        return ["yes" if value else "no"]
    if isinstance(value, float) and value.is_integer():
        return [str(int(value))]
    return [str(value)]


def text(value: Any, sep: str, escape: Callable[[str], str] = printable) -> str:
    """A value as one cell: each item escaped for its format, then joined with `sep`."""
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return ", ".join(escape(v) for v in value)
    return sep.join(escape(s) for s in items(value))


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection");
# the full-width forms are read as formulas by some spreadsheets too.
_FORMULA_START = tuple("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def formula_safe(cell: str) -> str:
    """Prefix a single quote to a cell a spreadsheet would run as a formula; plain numbers such as
    -0.5 or +3 stay numbers."""
    if cell.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def tsv(s: str) -> str:
    """One TSV field: backslash, tab, CR and newline as \\\\ \\t \\r \\n, other controls as \\xNN."""
    s = formula_safe(s).replace("\\", "\\\\").replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n")
    return printable(s)


def csv_cell(s: str) -> str:
    """One CSV field before quoting: newlines stay (CSV quotes them), other controls are escaped."""
    return printable(formula_safe(s))


def markdown(s: str) -> str:
    """One Markdown table cell item: HTML escaped (no raw HTML reaches a viewer), pipes and
    backslashes escaped, line breaks as spaces."""
    s = html.escape(s.replace("\r\n", " ").replace("\r", " ").replace("\n", " "), quote=False)
    return printable(s.replace("\\", "\\\\").replace("|", "\\|"))
