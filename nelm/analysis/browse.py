"""The rows of the browse commands (list, show, studies, outcomes, refs): plain records, no I/O."""

from __future__ import annotations

from typing import Any

from nelm.analysis.figures import (
    comparison_record,
    comparison_text,
    figure_record,
    figure_text,
    reference,
    source_labels,
    vancouver,
)
from nelm.analysis.filters import StudyFilter, _passes, tumor_set, tumor_share
from nelm.analysis.lookup import comparisons, findings, patients, studies_of
from nelm.errors import UsageError
from nelm.evidence.model import Comparison, Evidence, Finding, Item, Modality, Study


def list_rows(ev: Evidence) -> list[dict[str, Any]]:
    rows = []
    for m in ev.treatments:
        studies = studies_of(ev, m.id)
        n, partial = patients(studies, m.id)
        rows.append(
            {
                "id": m.id,
                "name": m.name,
                "category": m.category,
                "studies": len(studies),
                "indirect_studies": sum(s.indirect for s in studies),
                "patients": n,
                "patients_incomplete": partial,
                "summary": m.summary,
                "aliases": list(m.aliases),
                "reviewed": m.reviewed,
                "searched": m.searched,
            }
        )
    return rows


# -- show ------------------------------------------------------------------------------------
def item_record(ev: Evidence, item: Item) -> dict[str, Any]:
    return {
        "text": item.text,
        "kind": item.kind,
        "topic": item.topic,
        "grade": item.grade,
        "sources": list(item.sources),
        "citation": source_labels(ev, item.sources) + (f" {item.cites}" if item.cites else ""),
        "location": str(item.loc) if item.loc else None,
    }


def profile(ev: Evidence, m: Modality) -> dict[str, Any]:
    studies = studies_of(ev, m.id)
    n, partial = patients(studies, m.id)
    return {
        "id": m.id,
        "name": m.name,
        "category": m.category,
        "aliases": list(m.aliases),
        "reviewed": m.reviewed,
        "summary": m.summary,
        "description": m.description,
        "indications": [item_record(ev, i) for i in m.indications],
        "contraindications": [item_record(ev, i) for i in m.contraindications],
        "statements": [item_record(ev, i) for i in m.statements],
        "criteria": [
            {
                "rule": r.id,
                "condition": r.when.text(),
                "verdict": r.verdict,
                "text": r.reason,
                "grade": r.grade,
                "sources": list(r.sources),
                "location": str(r.loc) if r.loc else None,
            }
            for r in m.criteria
        ],
        "techniques": [{"id": t.id, "label": t.label} for t in m.techniques],
        "studies": len(studies),
        "indirect_studies": sum(s.indirect for s in studies),
        "patients": n,
        "patients_incomplete": partial,
        "findings": [figure_record(ev, s, f) for s, f in findings(ev, m.id)],
        "comparisons": [comparison_record(ev, s, c) for s, c in comparisons(ev, m.id)],
    }


def profile_rows(ev: Evidence, m: Modality) -> list[dict[str, Any]]:
    """The profile flattened to section/text/source rows for tabular formats."""
    rows = [{"section": "summary", "text": m.summary, "source": ""}]
    if m.description:
        rows.append({"section": "description", "text": m.description, "source": ""})
    if m.techniques:
        labels = "; ".join(f"{t.label} ({t.id})" for t in m.techniques)
        rows.append({"section": "techniques", "text": labels, "source": ""})
    for section, items in (
        ("indication", m.indications),
        ("contraindication", m.contraindications),
        ("statement", m.statements),
    ):
        for i in items:
            rec = item_record(ev, i)
            label = f"{section} ({i.kind or i.topic})" if (i.kind or i.topic) else section
            text = f"{i.text} (grade: {i.grade})" if i.grade else i.text
            rows.append({"section": label, "text": text, "source": rec["citation"]})
    for s, c in comparisons(ev, m.id):
        rows.append({"section": "head-to-head", "text": comparison_text(ev, s, c), "source": reference(ev, s)})
    for s, f in findings(ev, m.id):
        label = ev.outcomes[f.outcome].label if f.outcome in ev.outcomes else f.outcome
        rows.append(
            {
                "section": f"finding: {label}",
                "text": figure_text(ev, s, f, detail=True),
                "source": reference(ev, s),
            }
        )
    return rows


def study_rows(ev: Evidence, flt: StudyFilter) -> list[dict[str, Any]]:
    """One row per finding and per head-to-head comparison that passes the filter."""
    rows = []
    items: list[tuple[Study, Finding | Comparison]] = [*findings(ev), *comparisons(ev)]
    blank: dict[str, Any] | None = None
    for s, f in items:
        if not _passes(ev, flt, s, f):
            continue
        if isinstance(f, Finding):
            rec = figure_record(ev, s, f)
            share = tumor_share(s, {t for name in flt.tumors for t in tumor_set(name)}) if flt.tumors else None
            rec["tumor_share"] = share
            if share:
                rec["figure"] = f"{rec['figure']} [{share}]"
        else:
            if blank is None:
                first = next(findings(ev), None)
                blank = dict.fromkeys(figure_record(ev, *first), None) if first else {}
            comp = comparison_record(ev, s, f)
            rec = {**blank, **{k: v for k, v in comp.items() if k in blank or not blank}, "stat": f.measure}
            rec.update(study_n=s.n, indirect=s.indirect, tumor_types=list(s.tumor_types), population=s.population)
        rec["modality"] = ", ".join(f.modalities)
        rows.append(rec)
    return rows


def sort_rows(rows: list[dict[str, Any]], key: str, reverse: bool = False) -> list[dict[str, Any]]:
    """Rows sorted by one field. Values are compared only within one kind of figure (stat and unit):
    a median in months is not ranked against a percentage."""
    if key in ("value", "value_max"):
        kinds = {(r.get("stat"), r.get("unit")) for r in rows if r.get(key) is not None}
        if len(kinds) > 1:
            shown = ", ".join(sorted(f"{stat} in {unit}" if unit else str(stat) for stat, unit in kinds if stat)[:4])
            raise UsageError(
                f"--sort {key} would rank different kinds of figure against each other ({shown})",
                "narrow to one outcome and statistic first, e.g. --outcome os, or sort by n or year",
            )
    return _sort_rows(rows, key, reverse)


def _sort_rows(rows: list[dict[str, Any]], key: str, reverse: bool = False) -> list[dict[str, Any]]:
    """Sort by one field; missing values always last."""
    present = [r for r in rows if r.get(key) is not None]
    missing = [r for r in rows if r.get(key) is None]

    def k(r: dict[str, Any]) -> Any:
        v = r[key]
        return (0, v, "") if isinstance(v, (int, float)) else (1, 0, str(v).lower())

    return sorted(present, key=k, reverse=reverse) + missing


# -- outcomes --------------------------------------------------------------------------------
def outcome_rows(ev: Evidence) -> list[dict[str, Any]]:
    counts: dict[str, int] = {}
    for _, f in findings(ev):
        counts[f.outcome] = counts.get(f.outcome, 0) + 1
    return [
        {
            "id": o.id,
            "label": o.label,
            "kind": o.kind,
            "unit": o.unit,
            "higher_is_better": o.higher_is_better,
            "category": o.category,
            "findings": counts.get(o.id, 0),
            "description": o.description,
        }
        for o in ev.outcomes.values()
    ]


def cited_sources(ev: Evidence, mods: list[Modality] | None) -> list[str]:
    """Ids of sources behind the given modalities (all when None), in first-use order."""
    order: dict[str, None] = {}
    for m in mods if mods is not None else list(ev.modalities.values()):
        for items in (m.indications, m.contraindications, m.statements):
            for i in items:
                order.update(dict.fromkeys(i.sources))
        for s, _ in findings(ev, m.id) if m.kind == "modality" else ((s, None) for s in m.studies):
            order.update(dict.fromkeys(x for x in (s.source, s.via) if x))
    return [sid for sid in order if sid in ev.sources]


def ref_rows(ev: Evidence, mods: list[Modality] | None) -> list[dict[str, Any]]:
    rows = []
    for i, sid in enumerate(cited_sources(ev, mods), 1):
        src = ev.sources[sid]
        rows.append(
            {
                "number": i,
                "id": sid,
                "citation": vancouver(src),
                "type": src.type,
                "year": src.year,
                "pmid": src.pmid,
                "doi": src.doi,
                "url": src.url,
                "read": src.read,
            }
        )
    return rows
