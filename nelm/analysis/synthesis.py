"""Pooled estimates: which figures may be pooled, and the pooled result of a group that may.

Only crude proportions are pooled: events and n as printed, or a whole-number share of a stated n
(its events computed and marked derived). Never a Kaplan-Meier or actuarial rate (83% of 13 is not a
count of patients), never a bound ("<20%") or a span ("75-100%"), never fewer than MIN_STUDIES
cohorts, and only figures that `nelm.analysis.combine` allows to be summarised together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nelm.analysis.combine import Pair, cohort_of, groups
from nelm.evidence.model import Evidence

MIN_STUDIES = 3
METHOD = "dl"


@dataclass(frozen=True)
class Poolable:
    study: str
    label: str  # author-year
    events: int
    n: int
    derived: bool  # events computed from a printed percentage and n


def poolable(ev: Evidence, pair: Pair) -> Poolable | None:
    """The events/n of a figure that may enter a pool, or None."""
    from nelm.analysis.figures import citation

    s, f = pair
    outcome = ev.outcomes.get(f.outcome)
    if f.stat != "proportion" or f.unit != "%" or f.vs is not None:
        return None
    if outcome is None or outcome.kind == "tte" or f.method in ("kaplan-meier", "actuarial"):
        return None
    if f.n is None or f.n_qualifier or (f.qualifier and f.qualifier != "approx") or isinstance(f.value, tuple):
        return None
    if f.events is not None:
        return Poolable(s.id, citation(ev, s), f.events, f.n, f.derived)
    if f.value is None or f.qualifier:
        return None
    events = round(f.value * f.n / 100)
    if abs(events / f.n * 100 - f.value) > 0.5:  # the printed share is not a whole count of this n
        return None
    return Poolable(s.id, citation(ev, s), events, f.n, True)


def pool_result(ev: Evidence, group: list[Pair], *, method: str = METHOD) -> tuple[Any, list[Poolable]] | None:
    """(nelm.analysis.stats result, the pooled rows) for a group of comparable figures, or None when it may
    not be pooled: a figure that is not poolable, a synthesis or indirect evidence, several figures
    of one cohort, or fewer than MIN_STUDIES cohorts."""
    if not group or any(s.is_synthesis or s.indirect for s, _ in group):
        return None
    if len({cohort_of(s) for s, _ in group}) != len(group):
        return None  # several figures of one study: not independent
    rows = [poolable(ev, p) for p in group]
    ok = [r for r in rows if r is not None]
    if len(ok) != len(rows) or len(ok) < MIN_STUDIES:
        return None
    from nelm.analysis import stats

    result = stats.pool_proportions(
        [r.events for r in ok], [r.n for r in ok], method=method, labels=[r.label for r in ok]
    )
    return result, ok


def pool(ev: Evidence, group: list[Pair], *, method: str = METHOD) -> dict[str, Any] | None:
    """The pooled estimate of a group as a JSON-ready record (percentages), or None."""
    found = pool_result(ev, group, method=method)
    if found is None:
        return None
    result, ok = found
    return {
        **(pool_record(result) or {}),
        "studies": [
            {"study": r.study, "label": r.label, "events": r.events, "n": r.n, "derived": r.derived} for r in ok
        ],
    }


def pool_record(result: Any) -> dict[str, Any] | None:
    """A nelm.analysis.stats pooled result as a JSON-ready record, proportions as percentages."""
    if result is None:
        return None
    method = str(result.method)
    return {
        "method": f"random effects ({method.upper()}), logit, 95% CI",
        "estimate": result.estimate * 100,
        "ci_low": result.ci_low * 100,
        "ci_high": result.ci_high * 100,
        "pi_low": None if result.pi_low is None else result.pi_low * 100,
        "pi_high": None if result.pi_high is None else result.pi_high * 100,
        "tau2": result.tau2,
        "i2": result.i2,
        "q": result.q,
        "k": result.k,
        "n": result.n,
        "events": result.events,
        "label": label(result.k, result.n, result.i2),
    }


def forest_groups(ev: Evidence, oid: str, pairs_by_modality: dict[str, list[Pair]]) -> list[dict[str, Any]]:
    """Forest-plot groups for one outcome: per modality and measure, every poolable figure as a
    study row (events/n), with the pooled result where the group may be pooled."""
    from nelm.analysis.figures import measure_prefix, measure_suffix
    from nelm.analysis.stats import proportion_interval

    out = []
    for mid, pairs in pairs_by_modality.items():
        name = ev.modalities[mid].name
        for group in groups(pairs):
            rows = [(p, poolable(ev, p)) for p in group]
            studies = []
            for _, r in rows:
                if r is None:
                    continue
                i = proportion_interval(r.events, r.n, "wilson")
                label = r.label + (" (derived)" if r.derived else "")
                studies.append(
                    {
                        "label": label,
                        "events": r.events,
                        "n": r.n,
                        "estimate": i.estimate,
                        "ci_low": i.ci_low,
                        "ci_high": i.ci_high,
                    }
                )
            if not studies:
                continue
            s0, f0 = group[0]
            about = (measure_prefix(ev, s0, f0) + measure_suffix(f0)).strip().rstrip(":")
            found = pool_result(ev, group)
            out.append(
                {
                    "title": f"{name}" + (f" - {about}" if about else ""),
                    "modality": mid,
                    "studies": studies,
                    "pooled": found[0] if found else None,
                    "left_out": len(group) - len(studies),
                }
            )
    return out


def label(k: int, n: int, i2: float) -> str:
    """How every pooled figure is labelled, so nobody mistakes it for one study's result."""
    return f"pooled (random effects, {k} studies, {n} patients, I\u00b2 {i2:.0f}%)"


def pooled_text(p: dict[str, Any]) -> str:
    """'46% (95% CI 38-55%); pooled (random effects, 4 studies, 120 patients, I² 12%)'."""
    return f"{_pct(p['estimate'])}% (95% CI {_pct(p['ci_low'])}-{_pct(p['ci_high'])}%); {p['label']}"


def _pct(x: float) -> str:
    return f"{x:.0f}" if x >= 10 else f"{x:.1f}"
