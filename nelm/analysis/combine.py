"""The one combining rule: which figures measure the same thing and may be summarised together.

Two figures may be combined only when every dimension of `MeasureKey` agrees. A cohort (the same
patients reported twice) contributes once, and a review or pooled analysis is never combined with
the primary series it draws on (it has its own key: `synthesis`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from nelm.evidence.model import Finding, Study

Pair = tuple[Study, Finding]


class MeasureKey(NamedTuple):
    outcome: str
    stat: str
    unit: str | None
    timepoint: str | None
    time_origin: str | None
    response_level: str | None
    criteria: str | None
    unit_of_analysis: str
    subgroup: str | None
    technique: str | None
    modalities: tuple[str, ...]  # a mixed arm (TAE or TACE) is not one modality's figure
    qualifier: str | None  # "<20%" is a bound, not a value to span with "60%"
    indirect: bool
    synthesis: bool


def measure_key(study: Study, f: Finding) -> MeasureKey:
    return MeasureKey(
        outcome=f.outcome,
        stat=f.stat,
        unit=f.unit,
        timepoint=f.timepoint,
        time_origin=f.time_origin,
        response_level=f.response_level,
        criteria=" ".join(f.criteria.lower().split()) if f.criteria else None,
        unit_of_analysis=f.unit_of_analysis or "patient",
        subgroup=f.subgroup,
        technique=f.technique,
        modalities=tuple(sorted(f.modalities)),
        qualifier=None if f.qualifier == "approx" else f.qualifier,
        indirect=study.indirect,
        synthesis=study.is_synthesis,
    )


def may_combine(a: Pair, b: Pair) -> bool:
    """True when two figures measure the same thing in the same kind of population."""
    return measure_key(*a) == measure_key(*b) and a[1].vs is None and b[1].vs is None


def cohort_of(study: Study) -> str:
    return study.cohort or study.id


def groups(pairs: Iterable[Pair]) -> list[list[Pair]]:
    """Figures grouped by measure, in first-seen order. Where two studies report the same cohort,
    only the figures of the better report (best level of evidence, then largest n) stay in the
    group; figures of one study are never dropped. Comparative figures (with `vs`) stand alone."""
    out: dict[object, dict[str, list[Pair]]] = {}
    for i, (s, f) in enumerate(pairs):
        key: object = measure_key(s, f) if f.vs is None else ("alone", i)
        by_cohort = out.setdefault(key, {})
        kept = by_cohort.setdefault(cohort_of(s), [])
        if not kept or kept[0][0].id == s.id:
            kept.append((s, f))
        elif _rank(s, f) < _rank(*kept[0]):
            kept[:] = [(s, f)]
    return [[p for kept in g.values() for p in kept] for g in out.values()]


def total_n(group: list[Pair]) -> tuple[int, int, bool]:
    """(sum of known denominators, number of unknown ones, True if some are lower bounds), counting
    each study arm once: several figures of one arm are the same patients."""
    per_arm: dict[tuple[str, str | None], Finding] = {}
    for s, f in group:
        key = (s.id, f.arm or f.subgroup)
        if key not in per_arm or (f.n or 0) > (per_arm[key].n or 0):
            per_arm[key] = f
    ns = [f.n for f in per_arm.values()]
    bound = any(f.n_qualifier in ("more-than", "at-least") for f in per_arm.values())
    return sum(n for n in ns if n), sum(1 for n in ns if n is None), bound


def _rank(s: Study, f: Finding) -> tuple[int, int]:
    return (s.loe or 9, -(f.n or 0))


def patients(studies: Iterable[Study], modality: str) -> tuple[int, bool]:
    """NET patients treated with `modality` in primary studies, each cohort counted once (its
    largest report); True when some sizes are unknown. Reviews and indirect evidence are left out."""
    per_cohort: dict[str, int | None] = {}
    partial = False
    for s in studies:
        if s.indirect or s.is_synthesis:
            continue
        arms = [a for a in s.arms if modality in a.modalities]
        ns = [a.n for a in arms] if arms else [s.n]
        partial = partial or any(n is None for n in ns) or bool(s.n_qualifier)
        size = sum(n for n in ns if n) or None
        c = cohort_of(s)
        if size is not None:
            per_cohort[c] = max(per_cohort.get(c) or 0, size)
        else:
            per_cohort.setdefault(c, None)
    return sum(n for n in per_cohort.values() if n), partial


def cohorts(studies: Iterable[Study]) -> tuple[int, int]:
    """(primary cohorts, syntheses) among `studies`: the study count that counts each cohort once."""
    primary = {cohort_of(s) for s in studies if not s.is_synthesis}
    synth = {cohort_of(s) for s in studies if s.is_synthesis}
    return len(primary), len(synth)
