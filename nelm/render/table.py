"""Rich tables for terminals: width-fitted, wrapped (never cut), evidence text never read as markup."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from nelm.output import Output
from nelm.render import Result
from nelm.render.cells import text


def write(out: Output, result: Result, *, headers: bool = True) -> None:
    console = Console(
        file=out.stdout,
        no_color=not out.color,
        highlight=False,
        markup=False,
        emoji=False,
        width=out.width,
        force_terminal=out.color or None,
        color_system="auto" if out.color else None,
    )
    table = Table(
        title=Text(result.title) if result.title else None,
        show_header=headers,
        show_lines=True,
        header_style="bold" if out.color else "",
        expand=False,
    )
    for c in result.columns:
        longest = max((len(text(c.value(r), "\n")) for r in result.rows), default=0) if c.numeric else 0
        table.add_column(
            Text(c.header),
            overflow="fold",
            justify="right" if c.numeric else "left",
            min_width=min(longest, 12) or None,
        )
    for row in result.rows:
        table.add_row(*(Text(text(c.value(row), "\n")) for c in result.columns))
    console.print(table)
