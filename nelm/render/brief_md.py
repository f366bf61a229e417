"""The brief as CommonMark with pipe tables: no HTML, readable when pasted into a note."""

from __future__ import annotations

import re

from nelm.analysis.brief import NO_HEAD_TO_HEAD, Brief, marks
from nelm.render.output import printable

# What Markdown would act on: emphasis, code, links and raw HTML (a '<' before a letter, '/', '!'
# or '?'), and a backslash itself; an underscore only where it could start or end emphasis.
_ACTIVE = re.compile(r"[\\*`\[\]]|<(?=[A-Za-z/!?])|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def inline(text: str) -> str:
    """Text with citation markers as [1, 2], escaped for Markdown, on one line."""
    out = []
    for plain, nums in marks(text):
        plain = re.sub(r"\s+", " ", plain)
        out.append(_ACTIVE.sub(lambda m: "\\" + m.group(), plain))
        if nums:
            out.append(f"[{', '.join(map(str, nums))}]")
    return printable("".join(out).strip(), newline=False)


def cell(text: str) -> str:
    return inline(text).replace("|", "\\|")


def render(b: Brief) -> str:
    lines = [f"# {inline(b.title)}", ""]
    lines.append(f"{b.date} · nelm {b.version} · evidence: {inline('; '.join(b.evidence)) or 'none'}")
    lines.append("")
    if b.case:
        lines += ["## Case", "", inline("; ".join(b.case)), ""]
    if b.options:
        lines += ["## Options for this patient", "", "| Option | Verdict | Reasons |", "|---|---|---|"]
        for o in b.options:
            lines.append(f"| {cell(o.name)} | {o.verdict} | {cell('; '.join(o.reasons)) or '-'} |")
        missing = [f"{o.name}: {', '.join(o.missing)}" for o in b.options if o.missing]
        lines.append("")
        if missing:
            lines += ["Unknown, could change the verdict: " + inline("; ".join(missing)), ""]
        if b.note:
            lines += [inline(b.note), ""]
    if b.modalities:
        header = " | ".join(cell(name) for _, name in b.modalities)
        lines += ["## Summary of findings (NET-specific evidence)", ""]
        lines += [f"| Outcome | {header} |", "|---" * (len(b.modalities) + 1) + "|"]
        for label, cells in b.summary:
            lines.append(f"| {cell(label)} | " + " | ".join(cell(c) for c in cells) + " |")
        lines.append("")
    lines += ["## Head-to-head", ""]
    lines += [f"- {inline(x)}" for x in b.head_to_head] or [inline(NO_HEAD_TO_HEAD)]
    lines.append("")
    if b.patient_risks or b.key_risks:
        lines += ["## Key risks", ""]
        lines += [f"- This patient: {inline(x)}" for x in b.patient_risks]
        lines += [f"- {inline(x)}" for x in b.key_risks] + [""]
    lines += ["## Disclaimer", "", inline(b.disclaimer), ""]
    if b.references:
        lines += ["## References", ""] + [f"{i}. {inline(r)}" for i, r in enumerate(b.references, 1)]
    return "\n".join(lines).rstrip() + "\n"
