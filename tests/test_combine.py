"""The one combining rule (nelm.combine) and every summary nelm can show from the shipped evidence."""

from __future__ import annotations

import itertools

import pytest

from nelm import combine, query
from nelm.load import load
from nelm.model import Arm, Finding, Study


def _study(sid: str = "s1", **kw) -> Study:
    base = {"id": sid, "modality": "rfa", "source": "src", "design": "case-series", "n": 63, "loe": 4}
    base.update(kw)
    return Study(**base)


def _finding(**kw) -> Finding:
    base = {"outcome": "symptom-response", "stat": "proportion", "study": "s1", "modalities": ("rfa",), "unit": "%"}
    base.update(kw)
    return Finding(**base)


def test_pdq_rfa_trap_two_response_levels_are_never_one_range():
    s = _study()
    any_relief = _finding(value=92, response_level="any", subgroup="symptomatic patients")
    significant = _finding(value=70, response_level="significant", subgroup="symptomatic patients", timepoint="1wk")
    assert not combine.may_combine((s, any_relief), (s, significant))
    assert len(combine.groups([(s, any_relief), (s, significant)])) == 2


def test_three_time_origins_are_three_measures():
    s = _study()
    pairs = [
        (s, _finding(outcome="os", stat="median", unit="years", value=v, time_origin=o))
        for v, o in ((3.9, "treatment"), (5.0, "primary-diagnosis"), (4.2, "metastasis-diagnosis"))
    ]
    assert all(not combine.may_combine(a, b) for a, b in itertools.combinations(pairs, 2))


@pytest.mark.parametrize(
    "change",
    [
        {"subgroup": "G3"},
        {"criteria": "RECIST 1.1"},
        {"unit_of_analysis": "lesion"},
        {"timepoint": "5y"},
        {"technique": "deb-tace"},
        {"modalities": ("embolization", "rfa")},
        {"qualifier": "less-than"},
        {"stat": "median"},
        {"outcome": "orr"},
    ],
)
def test_any_differing_dimension_keeps_figures_apart(change):
    s1, s2 = _study("a"), _study("b")
    f = _finding(value=50)
    assert combine.may_combine((s1, f), (s2, f))
    g = _finding(value=60, **change)
    assert not combine.may_combine((s1, f), (s2, g))


def test_directness_and_synthesis_keep_figures_apart():
    f = _finding(value=50)
    assert not combine.may_combine((_study("a"), f), (_study("b", indirect=True), f))
    assert not combine.may_combine((_study("a"), f), (_study("b", design="meta-analysis"), f))


def test_a_cohort_counts_once_in_a_group_and_in_patient_totals():
    a = _study("series", cohort="c1", loe=4, n=63)
    b = _study("summary", cohort="c1", loe=4, n=63)
    c = _study("other", n=20)
    f = _finding(value=50, n=63)
    groups = combine.groups([(a, f), (b, f), (c, _finding(value=40, n=20))])
    assert len(groups) == 1 and len(groups[0]) == 2
    assert combine.patients([a, b, c], "rfa") == (83, False)


def test_reviews_are_never_added_to_patient_totals():
    review = _study("review", design="systematic-review", n=1129)
    series = _study("series", n=317)
    assert combine.patients([review, series], "rfa") == (317, False)


def test_arm_sizes_count_for_their_modality_only():
    s = _study(
        arms=(Arm("a", "rfa arm", ("rfa",), 10), Arm("b", "surgery arm", ("resection",), 30)), n=40, comparative=True
    )
    assert combine.patients([s], "rfa") == (10, False)


# -- the shipped evidence --------------------------------------------------------------------
@pytest.fixture(scope="module")
def shipped():
    return load()


def _summaries(ev):
    mods = ev.treatments
    for m in mods:
        others = [o for o in mods if o.id != m.id][:1]
        for row in query.compare(ev, [m, *others]):
            if row["outcome"] is None:
                continue
            for cell in (row[m.id], *(row[o.id] for o in others)):
                for rec in cell:
                    if rec.get("summary"):
                        yield rec


def test_no_shipped_summary_mixes_measures_counts_a_cohort_twice_or_borrows_a_denominator(shipped):
    count = 0
    index = {(s.id, f.loc): (s, f) for s, f in query.findings(shipped)}
    for rec in _summaries(shipped):
        count += 1
        pairs = [
            index[
                (
                    r["study"],
                    next(f.loc for s, f in index.values() if s.id == r["study"] and str(f.loc) == r["location"]),
                )
            ]
            for r in rec["figures"]
        ]
        keys = {combine.measure_key(s, f) for s, f in pairs}
        assert len(keys) == 1, rec["figure"]
        cohorts = [combine.cohort_of(s) for s, _ in pairs]
        assert len(cohorts) == len(set(cohorts)), rec["figure"]
        assert rec["n"] == (sum(f.n for _, f in pairs if f.n) or None), rec["figure"]
        assert all(r["n"] == f.n for r, (_, f) in zip(rec["figures"], pairs, strict=True))
    assert count > 0


def test_no_shipped_figure_text_uses_the_study_size_when_the_figure_has_no_n(shipped):
    for s, f in query.findings(shipped):
        if f.n is None and s.n is not None:
            text = query.figure_text(shipped, s, f)
            assert "n not stated" in text, text
