"""What `show` says about one modality: sections of one-line entries, with numbered references
printed once (nelm.render.show writes them).

Citations are numbered in order of first appearance, `[3]`, and the reference list at the end holds
exactly the cited sources. By default the findings are one line per outcome (its headline, as in
`compare`); `--section findings` lists every figure.
"""

from __future__ import annotations

from typing import Any

from nelm.evidence.model import Evidence, Modality, Study

SECTIONS = (
    "summary",
    "indications",
    "contraindications",
    "criteria",
    "statements",
    "comparisons",
    "findings",
    "references",
)
DEFAULT = ("summary", "indications", "contraindications", "comparisons", "findings", "references")
COMPARISONS_SHOWN = 3


class Citations:
    """Sources numbered in order of first citation."""

    def __init__(self, ev: Evidence) -> None:
        self.ev = ev
        self.order: list[str] = []

    def cite(self, *source_ids: str) -> str:
        nums = []
        for sid in source_ids:
            if sid not in self.order:
                self.order.append(sid)
            nums.append(self.order.index(sid) + 1)
        return "[" + ", ".join(str(n) for n in nums) + "]" if nums else ""

    def study(self, s: Study) -> str:
        return self.cite(s.source, *([s.via] if s.via and s.via != s.source else []))


def _short_reference(src: Any) -> str:
    """'Musunuru 2006. Arch Surg. PMID 16975100': one line; `nelm refs` gives the full reference."""
    venue = src.journal or src.publisher or src.type
    ident = f"PMID {src.pmid}" if src.pmid else f"doi:{src.doi}" if src.doi else src.url or ""
    from nelm.analysis.figures import source_label

    return ". ".join(x for x in (source_label(src), venue, ident) if x)


def rows(
    ev: Evidence,
    m: Modality,
    sections: tuple[str, ...] = DEFAULT,
    *,
    indirect: bool = False,
    compact: bool = True,
    flt: Any = None,
) -> list[dict[str, Any]]:
    """(section, text, refs) rows in display order; the references section comes last."""
    from nelm.analysis import sof
    from nelm.analysis.figures import comparison_text, figure_text, vancouver
    from nelm.analysis.filters import keep
    from nelm.analysis.lookup import comparisons, findings

    cites = Citations(ev)
    out: list[dict[str, Any]] = []

    def add(section: str, text: str, refs: str = "") -> None:
        out.append({"section": section, "text": text, "source": refs})

    every = "findings" in sections and sections != DEFAULT
    if "summary" in sections:
        add("summary", m.summary)
        base = sof.evidence_base(ev, m)
        add("summary", "Evidence: " + sof.base_text(base, m))
    for key, items in (("indications", m.indications), ("contraindications", m.contraindications)):
        if key in sections:
            for i in items:
                kind = f"{i.kind}: " if i.kind else ""
                grade = f" (grade: {i.grade})" if i.grade else ""
                add(key, f"{kind}{i.text}{grade}", cites.cite(*i.sources))
    if "criteria" in sections:
        for r in m.criteria:
            grade = f" (grade: {r.grade})" if r.grade else ""
            add("criteria", f"{r.verdict} when {r.when.text()}: {r.reason}{grade}", cites.cite(*r.sources))
    elif sections == DEFAULT and m.criteria:
        k = len(m.criteria)
        add("criteria", f"{k} selection criteri{'a' if k != 1 else 'on'} for nelm match: --section criteria")
    if "statements" in sections:
        for i in m.statements:
            grade = f" (grade: {i.grade})" if i.grade else ""
            add("statements", f"{i.topic}: {i.text}{grade}", cites.cite(*i.sources))
    elif sections == DEFAULT and m.statements:
        k = len(m.statements)
        add("statements", f"{k} statement{'s' * (k != 1)} (role, efficacy, risk, selection): --section statements")
    comps = [(s, c) for s, c in keep(ev, flt, comparisons(ev, m.id)) if indirect or not s.indirect]
    if "comparisons" in sections:
        shown = comps if sections != DEFAULT else comps[:COMPARISONS_SHOWN]
        for s, c in shown:
            add("comparisons", comparison_text(ev, s, c), cites.study(s))
        if len(comps) > len(shown):
            add("comparisons", f"+{len(comps) - len(shown)} more: --section comparisons")
    if "findings" in sections:
        pairs = [(s, f) for s, f in keep(ev, flt, findings(ev, m.id)) if indirect or not s.indirect]
        if every:
            for s, f in pairs:
                label = ev.outcomes[f.outcome].label if f.outcome in ev.outcomes else f.outcome
                add("findings", f"{label}: {figure_text(ev, s, f, detail=True)}", cites.study(s))
        else:
            for oid, outcome in ev.outcomes.items():
                these = [(s, f) for s, f in pairs if f.outcome == oid]
                if not these:
                    continue
                head, *rest = sof.cell(ev, these)
                refs = cites.study(next(s for s, f in these if s.id == head.get("study"))) if head.get("study") else ""
                text = f"{outcome.label}: {head['figure']}" + (f"; {rest[0]['figure']}" if rest else "")
                add("findings", text, refs)
    if "references" in sections:
        for n, sid in enumerate(cites.order, 1):
            src = ev.sources.get(sid)
            add("references", f"[{n}] {_short_reference(src) if src and compact else vancouver(src) if src else sid}")
    return out
