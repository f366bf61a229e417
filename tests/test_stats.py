"""nelm.analysis.stats against reference implementations (statsmodels, PyMARE, scipy), which are test-only."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nelm.analysis import stats
from nelm.analysis.stats import (
    ConvergenceError,
    beta_ppf,
    betainc,
    clopper_pearson_interval,
    expit,
    logit_effects,
    pool_effects,
    pool_proportions,
    proportion_interval,
    t_ppf,
    wilson_interval,
)

np = pytest.importorskip("numpy")

TOL = 1e-6

# (events, totals): the four sets the acceptance criteria name, plus a larger mixed one.
SETS = {
    "zero-event": ([0, 3, 7, 12], [15, 20, 25, 30]),
    "all-events": ([10, 5, 20, 3], [10, 20, 30, 12]),
    "homogeneous": ([30, 31, 29], [60, 60, 60]),
    "heterogeneous": ([2, 15, 40, 8, 55], [50, 40, 60, 45, 70]),
    "mixed": ([12, 30, 7, 0, 44, 9, 18], [18, 52, 20, 11, 60, 40, 18]),
}
HETEROGENEOUS = [name for name in SETS if name != "homogeneous"]


def _sm(events, totals, method_re="dl", use_t=False):
    meta = pytest.importorskip("statsmodels.stats.meta_analysis")
    y, v = logit_effects(events, totals)
    return meta.combine_effects(np.array(y), np.array(v), method_re=method_re, use_t=use_t)


def _pymare(events, totals, hksj):
    estimators = pytest.importorskip("pymare.estimators")
    y, v = logit_effects(events, totals)
    est = estimators.VarianceBasedLikelihoodEstimator(
        method="REML", small_sample_correction="knapp-hartung" if hksj else "wald", xtol=1e-12
    )
    est.fit(np.array(y)[:, None], np.array(v)[:, None], np.ones((len(y), 1)))
    fe = est.summary().get_fe_stats()
    tau2 = float(est.params_["tau2"].ravel()[0])
    return tau2, float(fe["est"].ravel()[0]), float(fe["ci_l"].ravel()[0]), float(fe["ci_u"].ravel()[0])


def close(a, b, tol=TOL):
    return a == pytest.approx(b, abs=tol, rel=0)


# --- DerSimonian-Laird against statsmodels ----------------------------------------------------------


@pytest.mark.parametrize("name", HETEROGENEOUS)
def test_dl_matches_statsmodels(name):
    events, totals = SETS[name]
    sm = _sm(events, totals)
    assert sm.tau2 > 0  # statsmodels does not clip tau² at 0; these sets must not need it
    fe, re, _, _ = sm.conf_int(use_t=False)
    r = pool_proportions(events, totals, method="dl")
    assert close(r.tau2, sm.tau2)
    assert close(r.q, sm.q)
    assert close(r.i2, 100 * sm.i2)
    assert close(r.logit.estimate, sm.mean_effect_re)
    assert close(r.logit.se, sm.sd_eff_w_re)
    assert close(r.logit.ci_low, re[0]) and close(r.logit.ci_high, re[1])
    assert close(r.estimate, expit(sm.mean_effect_re))
    assert close(r.ci_low, expit(re[0])) and close(r.ci_high, expit(re[1]))
    assert close(r.fixed.estimate, expit(sm.mean_effect_fe))
    assert close(r.fixed.ci_low, expit(fe[0])) and close(r.fixed.ci_high, expit(fe[1]))
    assert r.k == len(events) and r.n == sum(totals) and r.events == sum(events)


@pytest.mark.parametrize("name", HETEROGENEOUS)
def test_dl_hksj_matches_statsmodels(name):
    events, totals = SETS[name]
    sm = _sm(events, totals, use_t=True)
    _, _, _, re_hksj = sm.conf_int(use_t=True)
    r = pool_proportions(events, totals, method="dl", hksj=True)
    assert close(r.logit.estimate, sm.mean_effect_re)
    assert close(r.logit.se, sm.sd_eff_w_re_hksj)
    assert close(r.logit.ci_low, re_hksj[0]) and close(r.logit.ci_high, re_hksj[1])
    assert close(r.ci_low, expit(re_hksj[0])) and close(r.ci_high, expit(re_hksj[1]))


def test_homogeneous_clamps_tau2_and_i2_at_zero():
    events, totals = SETS["homogeneous"]
    sm_dl = _sm(events, totals)
    assert sm_dl.tau2 < 0 and sm_dl.i2 < 0  # statsmodels' unclipped values, see DATA-MODEL.md B1
    # Paule-Mandel clips at 0, so statsmodels' random-effects results are the fixed-effect ones.
    sm = _sm(events, totals, method_re="iterated", use_t=True)
    fe, re, _, _ = sm.conf_int(use_t=False)
    re_hksj = sm.conf_int(use_t=True)[3]
    for method in ("dl", "reml"):
        r = pool_proportions(events, totals, method=method)
        assert r.tau2 == 0.0 and r.i2 == 0.0
        assert close(r.q, sm_dl.q)
        assert close(r.logit.estimate, sm.mean_effect_fe) and close(r.estimate, r.fixed.estimate, 1e-12)
        assert close(r.logit.ci_low, fe[0]) and close(r.logit.ci_high, fe[1])
        assert close(r.logit.ci_low, re[0]) and close(r.logit.ci_high, re[1])
        h = pool_proportions(events, totals, method=method, hksj=True)
        assert close(h.logit.ci_low, re_hksj[0]) and close(h.logit.ci_high, re_hksj[1])


# --- REML against PyMARE ---------------------------------------------------------------------------


@pytest.mark.parametrize("hksj", [False, True], ids=["wald", "hksj"])
@pytest.mark.parametrize("name", list(SETS))
def test_reml_matches_pymare(name, hksj):
    events, totals = SETS[name]
    tau2, est, lo, hi = _pymare(events, totals, hksj)
    r = pool_proportions(events, totals, method="reml", hksj=hksj)
    assert close(r.tau2, tau2)
    assert close(r.logit.estimate, est)
    assert close(r.logit.ci_low, lo) and close(r.logit.ci_high, hi)
    assert close(r.estimate, expit(est))
    assert close(r.ci_low, expit(lo)) and close(r.ci_high, expit(hi))


def test_reml_is_a_stationary_point_of_the_restricted_likelihood():
    """Independent of PyMARE: the REML score vanishes at the estimate (tau² > 0)."""
    y, v = logit_effects(*SETS["heterogeneous"])
    tau2 = pool_effects(y, v, method="reml").tau2

    def restricted_loglik(t):
        w = [1 / (vi + t) for vi in v]
        mu = sum(wi * yi for wi, yi in zip(w, y, strict=True)) / sum(w)
        return 0.5 * (
            sum(map(math.log, w)) - math.log(sum(w)) - sum(wi * (yi - mu) ** 2 for wi, yi in zip(w, y, strict=True))
        )

    h = 1e-5
    assert abs((restricted_loglik(tau2 + h) - restricted_loglik(tau2 - h)) / (2 * h)) < 1e-6
    assert restricted_loglik(tau2) > restricted_loglik(tau2 * 0.9)
    assert restricted_loglik(tau2) > restricted_loglik(tau2 * 1.1)


def test_reml_falls_back_to_bisection_when_scoring_does_not_converge(monkeypatch):
    expected = pool_proportions(*SETS["heterogeneous"], method="reml").tau2
    monkeypatch.setattr(stats, "_REML_MAXITER", 1)
    assert pool_proportions(*SETS["heterogeneous"], method="reml").tau2 == pytest.approx(expected, rel=1e-8)


def test_reml_on_a_set_where_fisher_scoring_oscillates():
    """Found by hypothesis: plain Fisher scoring jumps between two points for ever here."""
    y, v = logit_effects([0, 0, 0, 0, 0, 8], [1, 1, 1, 1, 1, 10])
    tau2 = pool_effects(y, v, method="reml").tau2
    assert tau2 > 0 and abs(stats._reml_score(y, v, tau2)) < 1e-8


def test_reml_gives_up_only_on_a_divergent_score(monkeypatch):
    monkeypatch.setattr(stats, "_REML_MAXITER", 1)
    monkeypatch.setattr(stats, "_reml_score", lambda y, v, t: 1.0)
    with pytest.raises(ConvergenceError):
        pool_proportions(*SETS["heterogeneous"], method="reml")


# --- logit transform, prediction interval, fixed effect ---------------------------------------------


def test_continuity_correction_only_for_zero_or_all_events():
    y, v = logit_effects([0, 5, 10], [10, 10, 10])
    assert y[0] == pytest.approx(math.log(0.5 / 10.5)) and v[0] == pytest.approx(1 / 0.5 + 1 / 10.5)
    assert y[1] == 0.0 and v[1] == pytest.approx(1 / 5 + 1 / 5)
    assert y[2] == pytest.approx(math.log(10.5 / 0.5)) and v[2] == pytest.approx(1 / 10.5 + 1 / 0.5)


@pytest.mark.parametrize("hksj", [False, True])
@pytest.mark.parametrize("method", ["dl", "reml"])
def test_prediction_interval_uses_t_with_k_minus_2_df(method, hksj):
    sst = pytest.importorskip("scipy.stats")
    events, totals = SETS["heterogeneous"]
    r = pool_proportions(events, totals, method=method, hksj=hksj)
    y, v = logit_effects(events, totals)
    w = [1 / (vi + r.tau2) for vi in v]
    se = math.sqrt(1 / sum(w))
    half = sst.t.ppf(0.975, len(y) - 2) * math.sqrt(r.tau2 + se * se)
    assert close(r.pi_low, expit(r.logit.estimate - half)) and close(r.pi_high, expit(r.logit.estimate + half))
    assert r.pi_low < r.ci_low < r.estimate < r.ci_high < r.pi_high


def test_no_prediction_interval_below_three_studies():
    r = pool_proportions([3, 9], [10, 12])
    assert r.pi_low is None and r.pi_high is None


def test_single_study_pools_to_itself():
    r = pool_proportions([3], [10], method="reml")
    y, v = logit_effects([3], [10])
    assert r.k == 1 and r.tau2 == 0.0 and r.i2 == 0.0 and r.q == 0.0
    assert close(r.estimate, 0.3, 1e-12)
    assert close(r.ci_low, expit(y[0] - 1.959963984540054 * math.sqrt(v[0])), 1e-9)
    with pytest.raises(ValueError, match="HKSJ"):
        pool_proportions([3], [10], hksj=True)


def test_level_is_honoured():
    sm = _sm(*SETS["heterogeneous"])
    _, re, _, _ = sm.conf_int(alpha=0.1, use_t=False)
    r = pool_proportions(*SETS["heterogeneous"], level=0.9)
    assert close(r.logit.ci_low, re[0]) and close(r.logit.ci_high, re[1])


def test_as_dict_is_json_ready():
    import json

    d = pool_proportions(*SETS["zero-event"]).as_dict()
    assert json.loads(json.dumps(d, allow_nan=False))["fixed"]["estimate"] == d["fixed"]["estimate"]
    assert set(d) >= {"estimate", "ci_low", "ci_high", "tau2", "i2", "q", "k", "n", "pi_low", "pi_high", "fixed"}


# --- validation -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("events", "totals", "message"),
    [
        ([3, 12], [10, 11], r"study 'Lee 2014': events \(12\) exceed the number of patients \(11\)"),
        ([3, -1], [10, 11], r"study 'Lee 2014': events must not be negative"),
        ([3, 0], [10, 0], r"study 'Lee 2014': the number of patients must be at least 1"),
        ([3, 2.5], [10, 11], r"study 'Lee 2014': events must be a whole number"),
        ([3, 2], [10, None], r"study 'Lee 2014': patients must be a whole number"),
        ([3, True], [10, 11], r"study 'Lee 2014': events must be a whole number"),
        ([3], [10, 11], r"differ in length"),
        ([], [], r"no studies"),
    ],
)
def test_bad_input_names_the_study(events, totals, message):
    labels = ["Smith 2010", "Lee 2014"][: max(len(events), len(totals))]
    with pytest.raises(ValueError, match=message):
        pool_proportions(events, totals, labels=labels)


def test_unlabelled_studies_are_numbered():
    with pytest.raises(ValueError, match="study 2: events"):
        pool_proportions([1, 5], [4, 3])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "pm"}, "unknown method 'pm'"),
        ({"level": 1.0}, "level"),
        ({"labels": ["a"]}, "labels"),
    ],
)
def test_bad_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        pool_proportions([1, 2], [4, 5], **kwargs)


@pytest.mark.parametrize(("y", "v"), [([0.1, math.nan], [1, 1]), ([0.1, 0.2], [1, 0]), ([0.1, 0.2], [1, math.inf])])
def test_pool_effects_rejects_non_finite_or_non_positive(y, v):
    with pytest.raises(ValueError, match="study 2"):
        pool_effects(y, v)


def test_numpy_integers_are_accepted():
    r = pool_proportions(np.array([3, 9, 4]), np.array([10, 12, 9]))
    assert r.n == 31


# --- distributions and per-study intervals against scipy / statsmodels -----------------------------


@pytest.mark.parametrize("df", [1, 2, 3, 4, 5, 7, 10, 30, 100, 1000, 100000])
@pytest.mark.parametrize("p", [0.5, 0.6, 0.9, 0.95, 0.975, 0.995, 0.9995, 0.025, 0.001])
def test_t_ppf_matches_scipy(p, df):
    sst = pytest.importorskip("scipy.stats")
    # relative as well as absolute: scipy 1.11 is itself off by 7e-7 at t = 636 (df=1, p=0.9995)
    assert t_ppf(p, df) == pytest.approx(sst.t.ppf(p, df), abs=1e-8, rel=1e-8)


@pytest.mark.parametrize("p", [0.001, 0.025, 0.3, 0.5, 0.9, 0.975, 0.9995, 0.99999])
def test_t_ppf_closed_forms(p):
    cauchy = 1 / math.tan(math.pi * (1 - p)) if p >= 0.5 else -1 / math.tan(math.pi * p)  # tan(pi (p - 1/2))
    assert t_ppf(p, 1) == pytest.approx(cauchy, rel=1e-12, abs=1e-12)
    assert t_ppf(p, 2) == pytest.approx((2 * p - 1) / math.sqrt(2 * p * (1 - p)), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("a,b", [(0.5, 0.5), (0.5, 50), (1, 1), (1, 200), (3, 18), (17.5, 0.5), (250, 40), (2000, 3)])
@pytest.mark.parametrize("p", [1e-6, 0.025, 0.3, 0.5, 0.975, 1 - 1e-6])
def test_beta_ppf_and_cdf_match_scipy(p, a, b):
    sst = pytest.importorskip("scipy.stats")
    x = beta_ppf(p, a, b)
    assert x == pytest.approx(sst.beta.ppf(p, a, b), abs=1e-8, rel=1e-9)
    assert betainc(a, b, x) == pytest.approx(sst.beta.cdf(x, a, b), abs=1e-10)


COUNTS = [(0, 1), (1, 1), (0, 15), (15, 15), (1, 20), (7, 13), (12, 18), (50, 100), (3, 1000), (999, 1000)]


@pytest.mark.parametrize("x,n", COUNTS)
def test_wilson_and_clopper_pearson_match_statsmodels(x, n):
    prop = pytest.importorskip("statsmodels.stats.proportion")
    for ours, method in ((wilson_interval, "wilson"), (clopper_pearson_interval, "beta")):
        lo, hi = ours(x, n)
        ref_lo, ref_hi = prop.proportion_confint(x, n, alpha=0.05, method=method)
        assert lo == pytest.approx(ref_lo, abs=1e-8) and hi == pytest.approx(ref_hi, abs=1e-8), method
        assert 0.0 <= lo <= x / n <= hi <= 1.0


def test_clopper_pearson_against_scipy_beta():
    sst = pytest.importorskip("scipy.stats")
    lo, hi = clopper_pearson_interval(12, 18, level=0.9)
    assert lo == pytest.approx(sst.beta.ppf(0.05, 12, 7), abs=1e-8)
    assert hi == pytest.approx(sst.beta.ppf(0.95, 13, 6), abs=1e-8)


def test_proportion_interval():
    assert proportion_interval(12, 18) == stats.Interval(12 / 18, *wilson_interval(12, 18))
    assert proportion_interval(12, 18, "clopper-pearson").ci_low == clopper_pearson_interval(12, 18)[0]
    with pytest.raises(ValueError, match="unknown interval method"):
        proportion_interval(12, 18, "wald")
    with pytest.raises(ValueError, match="exceed"):
        wilson_interval(19, 18)


def test_doc_example():
    import doctest

    assert doctest.testmod(stats).failed == 0


def test_import_stays_standard_library():
    code = "import sys, nelm.analysis.stats; bad = {'numpy', 'scipy', 'statsmodels', 'rich', 'yaml'} & set(sys.modules); print(bad)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "set()"


# --- properties over random count sets -------------------------------------------------------------


@st.composite
def count_sets(draw):
    totals = draw(st.lists(st.integers(1, 400), min_size=2, max_size=9))
    events = [draw(st.integers(0, n)) for n in totals]
    return events, totals


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # statsmodels' weights when its tau² < 0
@settings(deadline=None)
@given(count_sets())
def test_dl_matches_statsmodels_on_random_sets(data):
    events, totals = data
    sm = _sm(events, totals)
    r = pool_proportions(events, totals, method="dl")
    assert close(r.q, sm.q, 1e-6 * max(1.0, sm.q))
    if sm.tau2 > 1e-9:
        _, re, _, _ = sm.conf_int(use_t=False)
        assert close(r.tau2, sm.tau2) and close(r.i2, 100 * sm.i2)
        assert close(r.logit.ci_low, re[0]) and close(r.logit.ci_high, re[1])
    else:  # statsmodels leaves tau² (and I²) negative; nelm clamps them and pools as fixed effect
        assert close(r.tau2, max(0.0, sm.tau2)) and r.i2 <= 1e-6  # Q <= df, up to rounding
        assert close(r.logit.estimate, sm.mean_effect_fe)


@settings(deadline=None)
@given(count_sets(), st.sampled_from(["dl", "reml"]), st.booleans())
def test_pooled_invariants(data, method, hksj):
    events, totals = data
    r = pool_proportions(events, totals, method=method, hksj=hksj)
    assert 0.0 <= r.ci_low <= r.estimate <= r.ci_high <= 1.0
    assert 0.0 <= r.fixed.ci_low <= r.fixed.estimate <= r.fixed.ci_high <= 1.0
    assert r.tau2 >= 0.0 and 0.0 <= r.i2 < 100.0 and r.q >= 0.0
    if r.k >= 3:
        assert r.pi_low <= r.ci_low or hksj
        assert r.pi_low <= r.estimate <= r.pi_high


@settings(deadline=None)
@given(count_sets())
def test_reml_solves_its_estimating_equation(data):
    """At the REML estimate the score y'PPy - tr(P) is zero, or not positive at tau² = 0."""
    y, v = logit_effects(*data)
    tau2 = pool_effects(y, v, method="reml").tau2
    w = [1 / (vi + tau2) for vi in v]
    sw = sum(w)
    mu = sum(wi * yi for wi, yi in zip(w, y, strict=True)) / sw
    ypp = sum((wi * (yi - mu)) ** 2 for wi, yi in zip(w, y, strict=True))
    tr_p = sw - sum(wi * wi for wi in w) / sw
    if tau2 > 0:
        assert abs(ypp - tr_p) <= 1e-6 * tr_p
    else:
        assert ypp - tr_p <= 1e-9 * tr_p


def test_documented_import_path_still_works():
    import nelm.stats

    assert nelm.stats.pool_proportions is pool_proportions  # README: from nelm.stats import pool_proportions
