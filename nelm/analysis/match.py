"""Which options fit a patient: each modality's selection criteria (from its evidence file) applied
to a patient profile, the patient-factor risks that apply, and the missing fields that would change
a verdict. Only the documented comparisons are evaluated (see `nelm.evidence.patient.Condition`); nothing
here holds a clinical threshold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nelm.evidence.model import Criterion, Evidence, Modality
from nelm.evidence.patient import FIELDS, Profile

# Most suitable first; the order of `nelm match`.
VERDICTS = ("candidate", "caution", "insufficient-information", "not-suitable")
NO_RULES = "no selection criteria from a guideline, consensus or study are recorded for this option"
NO_MATCH = "no criterion applies to this profile"


@dataclass
class Match:
    modality: Modality
    verdict: str
    fired: list[Criterion]
    missing: list[dict[str, Any]] = field(default_factory=list)
    risks: list[dict[str, Any]] = field(default_factory=list)


def verdict_of(fired: list[Criterion]) -> str:
    """The most severe verdict among the rules that fired (not-suitable, then caution, then
    candidate); when none fired, there is not enough information."""
    verdicts = {r.verdict for r in fired}
    for verdict in ("not-suitable", "caution", "candidate"):
        if verdict in verdicts:
            return verdict
    return "insufficient-information"


def evaluate(m: Modality, profile: Profile) -> Match:
    """One modality's verdict, the rules that fired, and the unknown fields that could change it."""
    held = [(r, r.when.holds(profile)) for r in m.criteria]
    fired = [r for r, holds in held if holds]
    verdict = verdict_of(fired)
    missing: dict[str, dict[str, Any]] = {}
    for r, holds in held:
        if holds is None and verdict_of([*fired, r]) != verdict:
            entry = missing.setdefault(r.when.field, {"field": r.when.field, "could_give": [], "rules": []})
            if r.verdict not in entry["could_give"]:
                entry["could_give"].append(r.verdict)
            entry["rules"].append(r.id)
    order = [f.name for f in FIELDS]
    return Match(m, verdict, fired, sorted(missing.values(), key=lambda e: order.index(e["field"])))


def match(ev: Evidence, profile: Profile, modalities: list[Modality] | None = None) -> list[Match]:
    """Every treatment (or the ones named), most suitable first, with the risks for this patient."""
    mods = modalities or ev.treatments
    results = []
    for m in mods:
        result = evaluate(m, profile)
        result.risks = risks(ev, m, profile)
        results.append(result)
    rank = {m.id: i for i, m in enumerate(mods)}
    return sorted(results, key=lambda r: (VERDICTS.index(r.verdict), _doubt(r), rank[r.modality.id]))


def _doubt(result: Match) -> tuple[bool, int]:
    """Within a verdict: an option that an unknown field could rule out comes after one that none
    could, then more concerns after fewer."""
    could_exclude = any("not-suitable" in m["could_give"] for m in result.missing)
    return could_exclude, sum(c.verdict != "candidate" for c in result.fired)


def applicable_factors(ev: Evidence, profile: Profile) -> list[str]:
    """The patient factors (vocabulary ids) this patient has, by each factor's `when`."""
    return [f.id for f in ev.factors.values() if f.when is not None and f.when.holds(profile)]


def risks(ev: Evidence, m: Modality, profile: Profile) -> list[dict[str, Any]]:
    """For each patient factor this patient has: the figures for patients with that factor after
    this modality (NET-specific first, indirect evidence labelled), and what the evidence says
    where there is no NET figure. A factor with nothing recorded is listed only where one of the
    modality's criteria concerns it."""
    from nelm.analysis.browse import item_record
    from nelm.analysis.figures import comparison_record, figure_record
    from nelm.analysis.lookup import comparisons, findings

    out = []
    for fid in applicable_factors(ev, profile):
        figures = [figure_record(ev, s, f) for s, f in findings(ev, m.id) if f.factor == fid]
        figures += [comparison_record(ev, s, c) for s, c in comparisons(ev, m.id) if c.factor == fid]
        figures.sort(key=lambda r: bool(r.get("indirect")))
        statements = [item_record(ev, i) for i in m.statements if fid in i.factors]
        factor = ev.factors[fid]
        ruled = factor.when is not None and any(r.when.field == factor.when.field for r in m.criteria)
        if not (figures or statements or ruled):
            continue  # nothing recorded and no rule on it: not a question for this option
        out.append(
            {
                "factor": fid,
                "label": factor.label,
                "net_data": any(not r.get("indirect") for r in figures),
                "figures": figures,
                "statements": statements,
            }
        )
    return out


def describe(profile: Profile) -> list[str]:
    """The profile as 'field: value unit' lines ('burden_pct: 30%'), in the documented order."""
    lines = []
    for f in FIELDS:
        if f.name in profile:
            v = profile[f.name]
            value = f"{v:g}" if isinstance(v, (int, float)) else str(v)
            unit = f.unit if f.unit == "%" else f" {f.unit}" if f.unit else ""
            lines.append(f"{f.name}: {value}{unit}")
    return lines


def risk_lines(ev: Evidence, risk: dict[str, Any]) -> list[str]:
    """A patient-factor risk as lines of text: each figure (indirect evidence labelled), then what
    the evidence says where it holds no NET figure."""
    lines = []
    if not (risk["figures"] or risk["statements"]):
        lines.append("no NET data recorded")
    elif risk["figures"] and not risk["net_data"]:
        lines.append("no NET data; indirect evidence only:")
    for fig in risk["figures"]:
        label = ev.outcomes[fig["outcome"]].label if fig["outcome"] in ev.outcomes else fig["outcome"]
        lines.append(f"{label}: {fig['figure']}")
    for st in risk["statements"]:
        lines.append(f"{st['text']} ({st['citation']})")
    return lines


def record(ev: Evidence, result: Match) -> dict[str, Any]:
    """One modality's result as the JSON record of docs/json-schema.md."""
    from nelm.analysis.figures import source_labels

    m = result.modality
    return {
        "modality": m.id,
        "name": m.name,
        "verdict": result.verdict,
        "reasons": [
            {
                "rule": r.id,
                "condition": r.when.text(),
                "text": r.reason,
                "verdict": r.verdict,
                "grade": r.grade,
                "sources": list(r.sources),
                "citation": source_labels(ev, r.sources),
                "location": str(r.loc) if r.loc else None,
            }
            for r in result.fired
        ],
        "risks": result.risks,
        "missing": result.missing,
        "searched": m.searched,
        "reviewed": m.reviewed,
    }


def rows(ev: Evidence, results: list[Match]) -> list[dict[str, Any]]:
    """Flat rows for the tabular formats: one per reason, risk line or missing field."""
    from nelm.analysis.figures import source_labels
    from nelm.analysis.lookup import short_name

    out: list[dict[str, Any]] = []
    for r in results:
        base = {"modality": r.modality.id, "option": short_name(r.modality), "verdict": r.verdict}
        if not r.modality.criteria:
            out.append({**base, "item": "reason", "text": NO_RULES, "citation": ""})
        for rule in r.fired:
            text = f"[{rule.when.text()}] {rule.reason}"
            out.append({**base, "item": rule.verdict, "text": text, "citation": source_labels(ev, rule.sources)})
        for risk in r.risks:
            for line in risk_lines(ev, risk):
                out.append({**base, "item": f"risk with {risk['label']}", "text": line, "citation": ""})
        for miss in r.missing:
            text = f"{miss['field']} unknown: could give {' or '.join(miss['could_give'])}"
            out.append({**base, "item": "missing", "text": text, "citation": ""})
        if r.modality.criteria and not (r.fired or r.risks or r.missing):
            out.append({**base, "item": "reason", "text": NO_MATCH, "citation": ""})
    return out
