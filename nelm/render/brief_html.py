"""The brief as one self-contained HTML file: inline CSS, no scripts, no external assets, and print
CSS for A4 or Letter (chosen with `paper`)."""

from __future__ import annotations

import html
import re

from nelm.analysis.brief import NO_HEAD_TO_HEAD, Brief, marks
from nelm.render.output import printable

PAPER = {"a4": "A4", "letter": "letter"}

CSS = """
@page { size: %(paper)s; margin: 9mm 11mm; }
* { box-sizing: border-box; }
body { font: 8pt/1.23 "Helvetica Neue", Arial, "Liberation Sans", sans-serif; color: #111; margin: 0 auto;
       max-width: 190mm; padding: 4mm 0; }
h1 { font-size: 13pt; margin: 0 0 1mm; }
h2 { font-size: 9.6pt; margin: 3mm 0 1mm; border-bottom: 0.4pt solid #888; }
p, ul, ol { margin: 0.8mm 0; }
ul { padding-left: 4mm; }
li { margin: 0.4mm 0; }
.meta { color: #444; }
table { border-collapse: collapse; width: 100%%; table-layout: fixed; }
th, td { border: 0.4pt solid #999; padding: 0.4mm 1.1mm; vertical-align: top; text-align: left;
         overflow-wrap: anywhere; }
th { background: #eee; }
td.label { font-weight: 600; }
th.option { width: 30mm; }
th.verdict { width: 23mm; }
th.outcome { width: 22mm; }
.candidate { color: #064; font-weight: 600; }
.caution { color: #840; font-weight: 600; }
.not-suitable { color: #a00; font-weight: 600; }
.insufficient-information { color: #555; }
.refs { font-size: 6.2pt; line-height: 1.13; padding-left: 5mm; column-count: 2; column-gap: 6mm; }
.refs li { margin: 0 0 0.3mm; break-inside: avoid; }
.disclaimer { font-size: 7.4pt; color: #333; border-left: 1.2pt solid #888; padding-left: 2mm; }
sup { font-size: 6.2pt; }
a { color: inherit; text-decoration: none; }
figure { margin: 1mm 0; }
figure svg { max-width: 100%%; height: auto; }
@media print { body { padding: 0; } }
"""


def _text(text: str) -> str:
    """Escaped text with citation markers as superscript links to the reference list."""
    out = []
    for plain, nums in marks(text):
        out.append(html.escape(re.sub(r"\s+", " ", plain), quote=False))
        if nums:
            links = ",".join(f'<a href="#r{n}">{n}</a>' for n in nums)
            out.append(f"<sup>[{links}]</sup>")
    return printable("".join(out), newline=False)


def render(b: Brief, paper: str = "a4", figure_svg: str | None = None) -> str:
    e = _text
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{e(b.title)}</title>",
        f"<style>{CSS % {'paper': PAPER[paper]}}</style>",
        "</head>",
        "<body>",
        f"<h1>{e(b.title)}</h1>",
        f'<p class="meta">{e(b.date)} · nelm {e(b.version)} · evidence: {e("; ".join(b.evidence)) or "none"}</p>',
    ]
    if b.case:
        parts += ["<h2>Case</h2>", f"<p>{e('; '.join(b.case))}</p>"]
    if b.options:
        parts += [
            "<h2>Options for this patient</h2>",
            "<table>",
            '<tr><th class="option">Option</th><th class="verdict">Verdict</th><th>Reasons</th></tr>',
        ]
        for o in b.options:
            reasons = "<br>".join(e(r) for r in o.reasons) or "-"
            parts.append(
                f'<tr><td class="label">{e(o.name)}</td><td class="verdict {o.verdict}">{o.verdict}</td>'
                f"<td>{reasons}</td></tr>"
            )
        parts.append("</table>")
        missing = [f"{o.name}: {', '.join(o.missing)}" for o in b.options if o.missing]
        if missing:
            parts.append(f"<p>Unknown, could change the verdict: {e('; '.join(missing))}</p>")
        if b.note:
            parts.append(f"<p>{e(b.note)}</p>")
    if b.modalities:
        parts += ["<h2>Summary of findings (NET-specific evidence)</h2>", "<table>"]
        parts.append(
            '<tr><th class="outcome">Outcome</th>' + "".join(f"<th>{e(n)}</th>" for _, n in b.modalities) + "</tr>"
        )
        for label, cells in b.summary:
            parts.append(
                f'<tr><td class="label">{e(label)}</td>' + "".join(f"<td>{e(c)}</td>" for c in cells) + "</tr>"
            )
        parts.append("</table>")
    if figure_svg:
        parts.append(f"<figure>{figure_svg}</figure>")
    parts.append("<h2>Head-to-head</h2>")
    if b.head_to_head:
        parts += ["<ul>"] + [f"<li>{e(x)}</li>" for x in b.head_to_head] + ["</ul>"]
    else:
        parts.append(f"<p>{e(NO_HEAD_TO_HEAD)}</p>")
    if b.patient_risks or b.key_risks:
        parts += ["<h2>Key risks</h2>", "<ul>"]
        parts += [f"<li><strong>This patient:</strong> {e(x)}</li>" for x in b.patient_risks]
        parts += [f"<li>{e(x)}</li>" for x in b.key_risks] + ["</ul>"]
    parts.append(f'<p class="disclaimer"><strong>Disclaimer.</strong> {e(b.disclaimer)}</p>')
    if b.references:
        parts += ["<h2>References</h2>", '<ol class="refs">']
        parts += [f'<li id="r{i}">{e(r)}</li>' for i, r in enumerate(b.references, 1)]
        parts.append("</ol>")
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"
