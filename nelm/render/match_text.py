"""`nelm match` on a terminal: each option with its verdict, the reasons that fired, the risks for
this patient and the unknown fields that could change the verdict, wrapped to the width."""

from __future__ import annotations

import textwrap
from typing import Any

from nelm.render.output import Output, printable

MARK = {"candidate": "+", "caution": "!", "not-suitable": "x"}


def write(out: Output, profile_lines: list[str], records: list[dict[str, Any]], width: int) -> None:
    width = max(width, 40)
    lines = _wrap("Options for this patient, most suitable first (not a recommendation)", width, "")
    lines += _wrap("Patient: " + ("; ".join(profile_lines) if profile_lines else "no fields given"), width, "  ")
    for i, rec in enumerate(records, 1):
        lines.append("")
        lines.append(f"{i}. {rec['name']}: {rec['verdict'].upper()}")
        for reason in rec["reasons"]:
            text = f"{MARK[reason['verdict']]} [{reason['condition']}] {reason['text']} ({reason['citation']})"
            lines += _wrap(text, width, "   ", "     ")
        if not rec["reasons"]:
            lines += _wrap(rec["no_reason"], width, "   ", "   ")
        for risk in rec["risks"]:
            lines += _wrap(f"Risk with {risk['label']}:", width, "   ", "   ")
            for line in risk["lines"]:
                lines += _wrap("- " + line, width, "     ", "       ")
        if rec["missing"]:
            bits = [f"{m['field']} ({' or '.join(m['could_give'])})" for m in rec["missing"]]
            lines += _wrap("Unknown, could change the verdict: " + ", ".join(bits), width, "   ", "     ")
    out.stdout.write(printable("\n".join(lines)) + "\n")


def _wrap(text: str, width: int, first: str, rest: str | None = None) -> list[str]:
    return textwrap.wrap(
        text,
        width,
        initial_indent=first,
        subsequent_indent=first if rest is None else rest,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [first.rstrip()]
