"""The one combining rule (nelm.analysis.combine) and every summary nelm can show from the shipped evidence."""

from __future__ import annotations

import itertools

import pytest

from nelm.analysis import combine, lookup, summaries
from nelm.analysis.figures import figure_text
from nelm.evidence.load import load
from nelm.evidence.model import Arm, Finding, Study


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


def _cells(ev):
    mods = ev.treatments
    for m in mods:
        others = [o for o in mods if o.id != m.id][:1]
        for row in summaries.compare(ev, [m, *others], all_outcomes=True):
            if row["outcome"] is None:
                continue
            for mod in (m, *others):
                yield row[mod.id]


def _pairs(ev, records):
    index = {(s.id, str(f.loc)): (s, f) for s, f in lookup.findings(ev)}
    return [index[(r["study"], r["location"])] for r in records]


def test_no_shipped_summary_mixes_measures_counts_a_cohort_twice_or_borrows_a_denominator(shipped):
    count = 0
    for cell in _cells(shipped):
        for rec in cell:
            assert not rec.get("indirect"), rec["figure"]  # the default view is NET-specific
            if rec.get("headline") and rec.get("study") and not rec.get("pooled"):
                ((_, f),) = _pairs(shipped, [rec])
                assert rec["n"] == f.n  # the headline's denominator is the figure's own
            if not rec.get("figures"):
                continue
            count += 1
            pairs = _pairs(shipped, rec["figures"])
            assert len({combine.measure_key(s, f) for s, f in pairs}) == 1, rec["figure"]
            studies_per_cohort: dict[str, set[str]] = {}
            for s, _ in pairs:
                studies_per_cohort.setdefault(combine.cohort_of(s), set()).add(s.id)
            assert all(len(v) == 1 for v in studies_per_cohort.values()), rec["figure"]
            if not rec.get("headline"):  # a context line: "k studies, n=N, ..."
                known = combine.total_n(pairs)[0]
                assert (f"n={known}" in rec["figure"] or f"n>={known}" in rec["figure"]) if known else True
    assert count > 0


def test_no_shipped_figure_text_uses_the_study_size_when_the_figure_has_no_n(shipped):
    for s, f in lookup.findings(shipped):
        if f.n is None and s.n is not None:
            text = figure_text(shipped, s, f)
            assert "n not stated" in text, text


def test_several_figures_of_one_arm_count_its_patients_once():
    s = _study("a", n=40)
    t = _study("b", n=20)
    group = [(s, _finding(value=50, n=40)), (s, _finding(value=55, n=38)), (t, _finding(value=60, n=20))]
    assert combine.total_n(group) == (60, 0, False)
    assert combine.total_n([(t, _finding(value=1, n=60, n_qualifier="more-than"))]) == (60, 0, True)


def test_figures_of_one_study_are_never_dropped_but_a_second_report_of_a_cohort_is():
    a = _study("series", cohort="c1", loe=4)
    b = _study("summary", cohort="c1", loe=5)
    f1, f2 = _finding(value=50, n=63), _finding(value=52, n=60)
    (group,) = combine.groups([(b, f1), (a, f1), (a, f2)])
    assert [s.id for s, _ in group] == ["series", "series"]
