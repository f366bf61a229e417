"""The tumour-board brief: what goes on the page, with numbered citations, independent of the format
(nelm.render.brief_md and brief_html write it).

Every figure and reason carries a citation marker; markers are numbered in order of first
appearance and the reference list holds exactly the cited sources, in Vancouver style.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from nelm.evidence.model import Evidence, Modality
from nelm.evidence.patient import Profile

DISCLAIMER = (
    "nelm summarises published studies: it gives no medical advice and does not replace the judgement "
    "of the multidisciplinary tumour board. Figures come from heterogeneous, mostly retrospective series "
    "and are not directly comparable across options. Check the original source before quoting a number."
)
NO_HEAD_TO_HEAD = "No direct comparison between these options in the NET-specific evidence."
MAX_MATCHED = 2  # options summarised when none are named: the most suitable ones (one or two pages)

# A citation inside text: \x00 never occurs in evidence text (the validator rejects control characters).
_MARK = re.compile("\x00([0-9,]+)\x00")


def marks(text: str) -> list[tuple[str, list[int]]]:
    """Split text into (plain text, citation numbers) pieces for a renderer."""
    out, pos = [], 0
    for m in _MARK.finditer(text):
        out.append((text[pos : m.start()], [int(n) for n in m.group(1).split(",")]))
        pos = m.end()
    out.append((text[pos:], []))
    return out


class Citations:
    """Numbers sources in order of first citation; a secondary citation is the pair (study's
    source, the document read)."""

    def __init__(self, ev: Evidence) -> None:
        self.ev = ev
        self.order: list[tuple[str, str | None]] = []

    def cite(self, keys: list[tuple[str, str | None]]) -> str:
        nums = []
        for key in keys:
            if key not in self.order:
                self.order.append(key)
            n = self.order.index(key) + 1
            if n not in nums:
                nums.append(n)
        return f"\x00{','.join(map(str, sorted(nums)))}\x00" if nums else ""

    def sources(self, ids: tuple[str, ...] | list[str]) -> str:
        return self.cite([(s, None) for s in ids])

    @staticmethod
    def key(rec: dict[str, Any]) -> tuple[str, str | None]:
        """A figure or comparison record's reference: its source, and the document read when another."""
        via = rec.get("via")
        return rec["source"], via if via != rec["source"] else None

    def figures(self, records: list[dict[str, Any]]) -> str:
        return self.cite([self.key(r) for r in records])

    def record(self, rec: dict[str, Any]) -> str:
        """A figure or comparison record's text with its author-year citation replaced by a marker."""
        text = str(rec["figure"])
        label = rec.get("citation")
        mark = self.figures([rec])
        if label and label in text:
            head, _, tail = text.rpartition(label)
            return head + mark + tail
        return f"{text} {mark}"

    def references(self) -> list[str]:
        from nelm.analysis.figures import vancouver

        out = []
        for source, via in self.order:
            src = self.ev.sources.get(source)
            text = vancouver(src) if src else source
            read = self.ev.sources.get(via) if via else None
            out.append(f"{text} Cited in: {vancouver(read)}" if read else text)
        return out


@dataclass
class Option:
    name: str
    verdict: str
    reasons: list[str] = field(default_factory=list)  # "caution, field op value: reason <marks>"
    missing: list[str] = field(default_factory=list)


@dataclass
class Brief:
    title: str
    date: str
    version: str
    evidence: list[str]  # "TACE: searched 2026-11-30, reviewed 2026-11-30"
    modalities: list[tuple[str, str]]  # (id, short name) of the summary's columns
    case: list[str] = field(default_factory=list)
    options: list[Option] = field(default_factory=list)
    note: str = ""  # how the options were chosen, when none were named
    summary: list[tuple[str, list[str]]] = field(default_factory=list)  # (outcome, one cell per modality)
    head_to_head: list[str] = field(default_factory=list)  # empty: the renderers say there is none
    patient_risks: list[str] = field(default_factory=list)
    key_risks: list[str] = field(default_factory=list)
    disclaimer: str = DISCLAIMER
    references: list[str] = field(default_factory=list)


def build(
    ev: Evidence,
    mods: list[Modality],
    profile: Profile | None = None,
    *,
    today: datetime.date | None = None,
) -> Brief:
    """The brief for these modalities (or, with a profile and none named, the most suitable ones)."""
    from nelm import __version__
    from nelm.analysis import match
    from nelm.analysis.lookup import short_name

    cites = Citations(ev)
    results = match.match(ev, profile) if profile is not None else []
    note = ""
    if not mods:
        suitable = [r.modality for r in results if r.verdict in ("candidate", "caution")]
        mods = suitable[:MAX_MATCHED]
        note = (
            f"The {len(mods)} most suitable options are summarised below; name modalities to choose others."
            if mods
            else "No option is a candidate for this profile; name modalities to summarise them."
        )
    chosen = {m.id for m in mods}
    title = "Tumour-board brief: " + (" vs ".join(short_name(m) for m in mods) or "treatment options")
    brief = Brief(
        title=title,
        date=(today or _today()).isoformat(),
        version=__version__,
        evidence=[_currency(m) for m in mods],
        modalities=[(m.id, short_name(m)) for m in mods],
        note=note,
    )
    if profile is not None:
        brief.case = match.describe(profile) or ["no fields given"]
        for r in results:
            brief.options.append(_option(ev, cites, r, full=r.modality.id in chosen))
    brief.summary = _summary(ev, cites, mods)
    brief.head_to_head = _head_to_head(ev, cites, mods)
    if profile is not None:
        brief.patient_risks = _patient_risks(ev, cites, [r for r in results if r.modality.id in chosen])
    brief.key_risks = _key_risks(ev, cites, mods)
    brief.references = cites.references()
    return brief


def _today() -> datetime.date:
    """Today, or the date of SOURCE_DATE_EPOCH when set (reproducible output, as in builds)."""
    import os

    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).date()
    return datetime.date.today()


def _currency(m: Modality) -> str:
    from nelm.analysis.lookup import short_name

    bits = [f"searched {m.searched}" if m.searched else "", f"reviewed {m.reviewed}" if m.reviewed else ""]
    return f"{short_name(m)}: {', '.join(b for b in bits if b) or 'no date recorded'}"


def _option(ev: Evidence, cites: Citations, r: Any, *, full: bool) -> Option:
    from nelm.analysis.lookup import short_name
    from nelm.analysis.match import NO_RULES

    opt = Option(short_name(r.modality), r.verdict)
    for rule in r.fired:
        text = f"{rule.verdict}, {rule.when.text()}"
        opt.reasons.append(f"{text}: {rule.reason} {cites.sources(rule.sources)}" if full else text)
    if not r.modality.criteria:
        opt.reasons.append(NO_RULES)
    opt.missing = [f"{m['field']} ({' or '.join(m['could_give'])})" for m in r.missing]
    return opt


def _cell(cites: Citations, records: list[dict[str, Any]]) -> str:
    parts = []
    for rec in records:
        if rec.get("figures"):  # a pooled headline or a context line: cite what it summarises, then "+N more"
            text, more, tail = str(rec["figure"]).partition("; +")
            parts.append(f"{text} {cites.figures(rec['figures'])}{more}{tail}")
        elif rec.get("source"):
            parts.append(cites.record(rec))
        else:
            parts.append(str(rec["figure"]))
    return "; ".join(parts)


def _summary(ev: Evidence, cites: Citations, mods: list[Modality]) -> list[tuple[str, list[str]]]:
    from nelm.analysis.sof import summary_of_findings

    rows = []
    for row in summary_of_findings(ev, mods):
        if row["section"] not in ("outcome", "base"):
            continue
        rows.append((row["row"], [_cell(cites, row[m.id]) for m in mods]))
    return rows


def _head_to_head(ev: Evidence, cites: Citations, mods: list[Modality]) -> list[str]:
    """Every direct NET comparison between two of the chosen options (or, for one option, between
    it and another one), each once, one line per study and pair of sides."""
    from nelm.analysis.figures import comparison_record
    from nelm.analysis.lookup import comparisons

    ids = {m.id for m in mods}
    heads: dict[tuple[str, str, str], str] = {}
    lines: dict[tuple[str, str, str], list[tuple[str, str]]] = {}
    for s, c in comparisons(ev):
        a, b = s.arm(c.arm), s.arm(c.vs)
        if s.indirect or a is None or b is None:
            continue
        left, right = set(a.modalities), set(b.modalities)
        if left == right or not (left & ids or right & ids):
            continue
        if len(ids) > 1 and not (left & ids and right & ids):
            continue
        rec = comparison_record(ev, s, c)
        key = (s.id, rec["left"], rec["right"])
        heads.setdefault(key, f"{rec['left']} vs {rec['right']} {cites.figures([rec])}")
        lines.setdefault(key, []).append((_result(rec), rec["direction"] or ""))
    out = []
    for key, results in lines.items():
        by_direction: dict[str, list[str]] = {}
        for result, direction in results:  # each direction said once, after the results it explains
            by_direction.setdefault(direction, []).append(result)
        text = "; ".join("; ".join(rs) + (f" ({d.rstrip('.')})" if d else "") for d, rs in by_direction.items())
        out.append(f"{heads[key]}: {text}")
    return out


def _result(rec: dict[str, Any]) -> str:
    """A comparison record's text without its sides and citation (they head the line)."""
    text = str(rec["figure"])
    text = text.removeprefix(f"{rec['left']} vs {rec['right']}: ")
    if rec.get("direction"):
        text = text.removesuffix(f"; {rec['direction']}")
    label = rec["citation"]
    return text.replace(f"; {label})", ")").replace(f" ({label})", "")


def _patient_risks(ev: Evidence, cites: Citations, results: list[Any]) -> list[str]:
    from nelm.analysis.lookup import short_name

    out = []
    for r in results:
        for risk in r.risks:
            lines = [cites.record(dict(f, figure=_labelled(ev, f))) for f in risk["figures"]]
            lines += [f"{st['text']} {cites.sources(st['sources'])}" for st in risk["statements"]]
            if not lines:
                lines = ["no NET data recorded"]
            elif not risk["net_data"] and risk["figures"]:
                lines.insert(0, "no NET data; indirect evidence only:")
            out.append(f"{short_name(r.modality)}, with {risk['label']}: " + " ".join(lines))
    return out


def _labelled(ev: Evidence, rec: dict[str, Any]) -> str:
    oc = ev.outcomes.get(rec["outcome"])
    return f"{oc.label}: {rec['figure']}" if oc and rec.get("stat") else str(rec["figure"])


def _key_risks(ev: Evidence, cites: Citations, mods: list[Modality]) -> list[str]:
    from nelm.analysis.lookup import findings, short_name
    from nelm.analysis.sof import key_risks

    out = []
    for m in mods:
        recs = [r for r in key_risks(ev, m, list(findings(ev, m.id)), limit=1) if r.get("source")]
        if recs:
            out.append(f"{short_name(m)}: " + "; ".join(cites.record(r) for r in recs))
        contra = [i for i in m.contraindications if i.kind == "absolute"]
        for item in contra:
            out.append(f"{short_name(m)}, absolute contraindication: {item.text} {cites.sources(item.sources)}")
    return out
