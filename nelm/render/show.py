"""`show` on a terminal: the modality's page (nelm.analysis.page) as titled sections, wrapped to the
width."""

from __future__ import annotations

from typing import Any

from nelm.evidence.model import Modality


def write(out: Any, m: Modality, records: list[dict[str, Any]], width: int) -> None:
    """A terminal page: a title, then each section's entries, wrapped to the width."""
    import textwrap

    from nelm.render.output import printable

    titles = {
        "summary": "",
        "indications": "Indications",
        "contraindications": "Contraindications",
        "criteria": "Selection criteria (nelm match)",
        "statements": "Statements",
        "comparisons": "Head-to-head",
        "findings": "Findings (one line per outcome)",
        "references": "References",
    }
    lines = [printable(m.name, newline=False)]
    current = None
    width = max(width, 40)
    for r in records:
        if r["section"] != current:
            current = r["section"]
            title = titles.get(current, current)
            if title:
                lines += ["", title]
        text = printable(f"{r['text']} {r['source']}".strip(), newline=False)
        bullet = "" if current in ("summary", "references") else "- "
        indent = "  " if bullet else "    "
        wrapped = textwrap.wrap(
            text, width, initial_indent=bullet, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False
        )
        lines += wrapped or [""]
    out.stdout.write("\n".join(lines) + "\n")
