"""Summaries across studies: the compare grid, the evidence base, one outcome's figures, forest groups."""

from __future__ import annotations

import re
from typing import Any

from nelm.analysis import combine, synthesis
from nelm.analysis.figures import (
    comparison_record,
    figure_record,
    figure_text,
    measure_prefix,
)
from nelm.analysis.filters import StudyFilter, filtered_findings, keep
from nelm.analysis.lookup import comparisons, findings
from nelm.evidence.model import Evidence, Finding, Modality, Study

_STAT_ORDER = {
    "proportion": 0,
    "median": 1,
    "mean": 2,
    "hazard-ratio": 3,
    "odds-ratio": 4,
    "relative-risk": 5,
    "count": 6,
    "comparison": 7,
}
_TP_DAYS = {"y": 365.0, "mo": 30.4, "wk": 7.0, "d": 1.0, "h": 1 / 24}


def _group_key(f: Finding) -> tuple[Any, ...]:
    return (_STAT_ORDER.get(f.stat, 9), timepoint_days(f.timepoint), f.unit or "")


def timepoint_days(tp: str | None) -> float:
    if not tp:
        return 0.0
    m = re.match(r"([0-9.]+)([a-z]+)", tp)
    return float(m.group(1)) * _TP_DAYS.get(m.group(2), 1.0) if m else 0.0


def compare(
    ev: Evidence,
    mods: list[Modality],
    outcomes: list[str] | None = None,
    detail: bool = False,
    pooled: bool = True,
    *,
    all_outcomes: bool = False,
    indirect: bool = False,
    flt: StudyFilter | None = None,
) -> list[dict[str, Any]]:
    """The rows of `compare`: by default a summary of findings (nelm.analysis.sof); with detail=True every
    figure of every outcome present, grouped by measure (NET-specific unless `indirect`)."""
    from nelm.analysis import sof

    if not detail:
        return sof.summary_of_findings(
            ev, mods, outcomes=outcomes, all_outcomes=all_outcomes, indirect=indirect, pooled=pooled, flt=flt
        )
    per_mod = {m.id: [(s, f) for s, f in keep(ev, flt, findings(ev, m.id)) if indirect or not s.indirect] for m in mods}
    present = {f.outcome for pairs in per_mod.values() for _, f in pairs}
    order = [o for o in ev.outcomes if o in present and (outcomes is None or o in outcomes)]
    rows: list[dict[str, Any]] = []
    h2h: dict[str, Any] = {"row": "Head-to-head", "outcome": None}
    for m in mods:
        h2h[m.id] = [
            comparison_record(ev, s, c)
            for s, c in comparisons(ev, m.id)
            if (outcomes is None or c.outcome in outcomes) and (indirect or not s.indirect)
        ]
    if any(h2h[m.id] for m in mods):
        rows.append(h2h)
    for oid in order:
        row: dict[str, Any] = {"row": ev.outcomes[oid].label, "outcome": oid}
        for m in mods:
            pairs = sorted(((s, f) for s, f in per_mod[m.id] if f.outcome == oid), key=lambda sf: _group_key(sf[1]))
            row[m.id] = [dict(figure_record(ev, s, f), figure=figure_text(ev, s, f, detail=True)) for s, f in pairs]
        rows.append(row)
    if outcomes is None:
        base: dict[str, Any] = {"row": "Evidence base", "outcome": None}
        risks: dict[str, Any] = {"row": "Key risks", "outcome": None}
        for m in mods:
            base[m.id] = [sof.evidence_base(ev, m)]
            risks[m.id] = sof.key_risks(ev, m, per_mod[m.id])
        rows.extend([base, risks])
    return rows


def forest(ev: Evidence, oid: str, mods: list[Modality], flt: StudyFilter) -> list[dict[str, Any]]:
    """Forest-plot groups for one outcome over `mods` (all treatments when empty)."""
    by_mod: dict[str, list[tuple[Study, Finding]]] = {}
    pairs = filtered_findings(ev, flt)
    for m in mods or ev.treatments:
        by_mod[m.id] = [(s, f) for s, f in pairs if f.outcome == oid and m.id in f.modalities]
    return synthesis.forest_groups(ev, oid, by_mod)


def outcome_figures(
    ev: Evidence, oid: str, *, pooled: bool = True, indirect: bool = False, flt: StudyFilter | None = None
) -> list[dict[str, Any]]:
    """Every modality's figures for one outcome, grouped by modality and then by measure (figures of
    different measures are never ranked against each other); a group's pooled estimate comes first.
    Indirect (non-NET) evidence only when asked, after the NET figures."""
    rows = []
    for direct in (True, False) if indirect else (True,):
        for m in ev.treatments:
            pairs = [(s, f) for s, f in keep(ev, flt, findings(ev, m.id)) if f.outcome == oid and s.indirect != direct]
            for group in combine.groups(pairs):
                pool = synthesis.pool(ev, group) if pooled else None
                if pool:
                    s0, f0 = group[0]
                    rows.append(
                        {
                            "modality": m.id,
                            "figure": measure_prefix(ev, s0, f0) + synthesis.pooled_text(pool),
                            "design": "pooled",
                            "loe": None,
                            "definition": f0.definition,
                            "pooled": pool,
                        }
                    )
                for s, f in group:
                    rec = figure_record(ev, s, f)
                    rec["modality"] = m.id
                    rows.append(rec)
    return rows
