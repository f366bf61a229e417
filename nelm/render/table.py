"""Tables for terminals: width-fitted and wrapped, never cut.

nelm wraps cells itself: between words, else inside a long word (after a hyphen, slash or other
punctuation where possible), but never inside a number. When the columns cannot all be as wide as
their longest number (and a few characters of text), the table becomes one block of `field: value`
lines per record (like psql's expanded mode) instead of being squeezed."""

from __future__ import annotations

import re

from rich.cells import cell_len

from nelm.render import Result
from nelm.render.cells import text
from nelm.render.output import Output, printable

BORDER = 3  # per column: a border and one space of padding each side (plus one closing border)
FLOOR = 6  # a column narrower than this (or its longest word, if shorter) is unreadable
_NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:[.,]\d+)*%?|\d+(?:[.,]\d+)*%?")
_SOFT = frozenset("-/;,)]}.:_&?=|")  # a long word breaks preferably after one of these


def write(out: Output, result: Result, *, headers: bool = True) -> None:
    width = out.table_width()
    heads = [printable(c.header, newline=False) for c in result.columns]
    cells = [[text(c.value(row), "\n") for c in result.columns] for row in result.rows]
    columns = [[*([h] if headers else []), *(row[i] for row in cells)] for i, h in enumerate(heads)]
    least = [min_width(col) for col in columns]
    most = [max((cell_len(line) for v in col for line in v.split("\n")), default=0) or 1 for col in columns]
    most = [min(m, max(c.cap, lo)) if c.cap else m for m, c, lo in zip(most, result.columns, least, strict=True)]
    room = width - BORDER * len(heads) - 1
    if sum(least) > room:
        labels = [h or printable(c.key, newline=False) for h, c in zip(heads, result.columns, strict=True)]
        expanded(out, result.title, labels, cells, width)
        return
    _table(out, result, heads, cells, _fit(least, most, room), width, headers)


def min_width(values: list[str]) -> int:
    """The narrowest a column may be: its longest number, its widest character, and its longest
    word up to FLOOR characters."""
    words = [w for v in values for w in v.split()]
    numbers = [cell_len(m.group()) for w in words for m in _NUMBER.finditer(w)]
    chars = [cell_len(c) for w in words for c in w]
    return max(max(numbers, default=0), max(chars, default=1), min(FLOOR, max(map(cell_len, words), default=1)))


def _fit(least: list[int], most: list[int], room: int) -> list[int]:
    """Column widths within `room`: each between its minimum and its longest line, the widest
    columns narrowed first."""
    if sum(most) <= room:
        return most

    def widths(cap: int) -> list[int]:
        return [max(lo, min(hi, cap)) for lo, hi in zip(least, most, strict=True)]

    low, high = 0, max(most)
    while low < high:  # the largest cap that fits
        mid = (low + high + 1) // 2
        if sum(widths(mid)) <= room:
            low = mid
        else:
            high = mid - 1
    result = widths(low)
    spare = room - sum(result)
    for i in reversed(range(len(result))):  # what the cap leaves over, to the last columns first
        if spare and result[i] < most[i]:
            result[i] += 1
            spare -= 1
    return result


def wrap(cell: str, width: int) -> str:
    """Cell text as lines of at most `width` terminal cells; numbers are never split."""
    lines: list[str] = []
    for line in cell.split("\n"):
        current = ""
        for word in line.split():
            if current and cell_len(current) + 1 + cell_len(word) <= width:
                current += " " + word
                continue
            if current:
                lines.append(current)
            while cell_len(word) > width:
                cut = _cut(word, width)
                lines.append(word[:cut])
                word = word[cut:]
            current = word
        lines.append(current)
    return "\n".join(lines)


def _cut(word: str, width: int) -> int:
    """Where to break a word too long for `width`: the last place that fits and is not inside a
    number, preferably after punctuation."""
    inside = {i for m in _NUMBER.finditer(word) for i in range(m.start() + 1, m.end())}
    best = soft = 0
    for i in range(1, len(word)):
        if cell_len(word[:i]) > width:
            break
        if i not in inside:
            best = i
            if word[i - 1] in _SOFT:
                soft = i
    return soft if soft * 2 >= best else best or 1


def _table(
    out: Output, result: Result, heads: list[str], cells: list[list[str]], widths: list[int], total: int, headers: bool
) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(
        file=out.stdout,
        no_color=not out.color,
        highlight=False,
        markup=False,
        emoji=False,
        width=total,
        force_terminal=out.color or None,
        color_system="auto" if out.color else None,
    )
    table = Table(
        title=Text(printable(result.title, newline=False)) if result.title else None,
        show_header=headers,
        show_lines=True,
        header_style="bold" if out.color else "",
        expand=False,
    )
    for c, head, w in zip(result.columns, heads, widths, strict=True):
        table.add_column(Text(wrap(head, w)), overflow="fold", justify="right" if c.numeric else "left", width=w)
    for row in cells:
        table.add_row(*(Text(wrap(cell, w)) for cell, w in zip(row, widths, strict=True)))
    console.print(table)


def expanded(out: Output, title: str, labels: list[str], cells: list[list[str]], width: int) -> None:
    """One block per record: a `-[ RECORD n ]-` line, then `field: value` lines. Values are not
    wrapped (the terminal wraps them), so nothing is ever cut."""
    pad = max((cell_len(label) for label in labels), default=0)
    bold, plain = ("\x1b[1m", "\x1b[0m") if out.color else ("", "")
    lines = [printable(title, newline=False)] if title else []
    for n, row in enumerate(cells, 1):
        rule = f"-[ RECORD {n} ]-"
        lines.append(rule + "-" * max(0, min(width, 40) - len(rule)))
        for label, value in zip(labels, row, strict=True):
            first, *rest = value.split("\n")
            lines.append(f"{bold}{label}{plain}{' ' * (pad - cell_len(label))}: {first}".rstrip())
            lines += [" " * (pad + 2) + more for more in rest]
    out.stdout.write("".join(line + "\n" for line in lines))
