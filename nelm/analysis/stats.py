"""Pooling single-arm proportions: logit transform, DerSimonian-Laird or REML, optional HKSJ.

Standard library only, so that importing it costs nothing; scipy, statsmodels and PyMARE check it in
the tests. Every interval is two-sided at ``level`` (95% by default).

Example (usable as is in the README)::

    >>> from nelm.analysis.stats import pool_proportions, proportion_interval
    >>> r = pool_proportions([12, 30, 7], [18, 52, 20], labels=["Smith 2010", "Lee 2014", "Ito 2019"])
    >>> print(f"{r.estimate:.1%} ({r.ci_low:.1%} to {r.ci_high:.1%}), I² {r.i2:.0f}%, k={r.k}, n={r.n}")
    53.6% (37.2% to 69.3%), I² 52%, k=3, n=90
    >>> print(f"fixed effect {r.fixed.estimate:.1%}; tau² {r.tau2:.3f} (logit scale)")
    fixed effect 54.6%; tau² 0.182 (logit scale)
    >>> r = pool_proportions([12, 30, 7], [18, 52, 20], method="reml", hksj=True)
    >>> print(f"{r.estimate:.1%} ({r.ci_low:.1%} to {r.ci_high:.1%})")
    53.6% (19.6% to 84.5%)
    >>> ci = proportion_interval(12, 18, method="clopper-pearson")
    >>> print(f"{ci.estimate:.1%} ({ci.ci_low:.1%} to {ci.ci_high:.1%})")
    66.7% (41.0% to 86.7%)
    >>> pool_proportions([3, 25], [2, 30], labels=["Smith 2010", "Lee 2014"])
    Traceback (most recent call last):
    ...
    ValueError: study 'Smith 2010': events (3) exceed the number of patients (2)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from numbers import Integral, Real
from statistics import NormalDist
from typing import Any

METHODS = ("dl", "reml")
CI_METHODS = ("wilson", "clopper-pearson")
_REML_TOL = 1e-10
_REML_MAXITER = 1000


class ConvergenceError(ArithmeticError):
    """An iterative estimate did not converge; no number is better than a wrong one."""


@dataclass(frozen=True, slots=True)
class Interval:
    """A point estimate with its confidence interval."""

    estimate: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True, slots=True)
class PooledEffects:
    """Pooled effects on the scale they were given (here: logits). ``se`` is the one the CI used."""

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    tau2: float
    i2: float  # percent
    q: float
    k: int
    pi_low: float | None
    pi_high: float | None
    fixed: Interval
    method: str
    hksj: bool
    level: float


@dataclass(frozen=True, slots=True)
class PooledProportion:
    """A random-effects pooled proportion on the 0-1 scale; tau2 and q are on the logit scale."""

    estimate: float
    ci_low: float
    ci_high: float
    tau2: float
    i2: float  # percent
    q: float
    k: int
    n: int  # patients across the pooled studies
    events: int
    pi_low: float | None  # prediction interval, k >= 3
    pi_high: float | None
    fixed: Interval
    method: str
    hksj: bool
    level: float
    logit: PooledEffects

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (nested dicts for ``fixed`` and ``logit``)."""
        return asdict(self)


# --- distributions ---------------------------------------------------------------------------------


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-16:
            return h
    raise ConvergenceError(f"incomplete beta did not converge (a={a}, b={b}, x={x})")


def _lbeta(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def betainc(a: float, b: float, x: float) -> float:
    """Regularized incomplete beta function I_x(a, b), for a, b > 0."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(a * math.log(x) + b * math.log1p(-x) - _lbeta(a, b))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def beta_ppf(p: float, a: float, b: float) -> float:
    """Quantile of the Beta(a, b) distribution: Newton steps kept inside a shrinking bisection bracket."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"probability must be within 0..1, got {p}")
    if p == 0.0:
        return 0.0
    if p == 1.0:
        return 1.0
    lbeta = _lbeta(a, b)
    lo, hi = 0.0, 1.0
    x = a / (a + b)
    for _ in range(2000):
        f = betainc(a, b, x) - p
        if f == 0.0:
            return x
        if f < 0.0:
            lo = x
        else:
            hi = x
        density = math.exp((a - 1.0) * math.log(x) + (b - 1.0) * math.log1p(-x) - lbeta)
        new = x - f / density if density > 0.0 and math.isfinite(density) else -1.0
        if not lo < new < hi:
            new = 0.5 * (lo + hi)
        if abs(new - x) <= 1e-15 * new or hi - lo <= 1e-15 * hi:
            return new
        x = new
    raise ConvergenceError(f"beta quantile did not converge (p={p}, a={a}, b={b})")


def t_ppf(p: float, df: float) -> float:
    """Quantile of Student's t distribution with ``df`` degrees of freedom."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"probability must be strictly within 0..1, got {p}")
    if df <= 0:
        raise ValueError(f"degrees of freedom must be positive, got {df}")
    if p == 0.5:
        return 0.0
    # P(|T| > t) = I_u(df/2, 1/2) with u = df/(df + t²), and 1 - u = t²/(df + t²) solves
    # I_{1-u}(1/2, df/2) = 1 - P(|T| > t). Solve for whichever of u, 1 - u is small, to keep precision.
    tail = 2.0 * min(p, 1.0 - p)
    y = beta_ppf(1.0 - tail, 0.5, df / 2.0)
    if y < 0.5:
        t = math.sqrt(df * y / (1.0 - y))
    else:
        u = beta_ppf(tail, df / 2.0, 0.5)
        t = math.sqrt(df * (1.0 - u) / u) if u > 0.0 else math.inf
    return t if p > 0.5 else -t


def _z(level: float) -> float:
    return NormalDist().inv_cdf(0.5 + level / 2.0)


def _check_level(level: float) -> None:
    if not (isinstance(level, Real) and 0.0 < level < 1.0):
        raise ValueError(f"level must be strictly between 0 and 1, got {level!r}")


# --- single-study intervals --------------------------------------------------------------------------


def _check_count(events: object, n: object, label: str = "") -> tuple[int, int]:
    where = f"study {label}: " if label else ""
    for name, value in (("events", events), ("patients", n)):
        if isinstance(value, bool) or not isinstance(value, Integral):
            raise ValueError(f"{where}{name} must be a whole number, got {value!r}")
    e, t = int(events), int(n)  # type: ignore[call-overload]
    if t < 1:
        raise ValueError(f"{where}the number of patients must be at least 1, got {t}")
    if e < 0:
        raise ValueError(f"{where}events must not be negative, got {e}")
    if e > t:
        raise ValueError(f"{where}events ({e}) exceed the number of patients ({t})")
    return e, t


def wilson_interval(events: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for events/n."""
    _check_level(level)
    x, n = _check_count(events, n)
    z = _z(level)
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    low = 0.0 if x == 0 else max(0.0, centre - half)
    high = 1.0 if x == n else min(1.0, centre + half)
    return low, high


def clopper_pearson_interval(events: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper-Pearson) interval for events/n, from beta quantiles."""
    _check_level(level)
    x, n = _check_count(events, n)
    alpha = 1.0 - level
    low = 0.0 if x == 0 else beta_ppf(alpha / 2, x, n - x + 1)
    high = 1.0 if x == n else beta_ppf(1 - alpha / 2, x + 1, n - x)
    return low, high


def proportion_interval(events: int, n: int, method: str = "wilson", level: float = 0.95) -> Interval:
    """events/n with its interval; ``method`` is "wilson" or "clopper-pearson"."""
    if method == "wilson":
        low, high = wilson_interval(events, n, level)
    elif method == "clopper-pearson":
        low, high = clopper_pearson_interval(events, n, level)
    else:
        raise ValueError(f"unknown interval method {method!r}; choose from: {', '.join(CI_METHODS)}")
    return Interval(events / n, low, high)


# --- pooling --------------------------------------------------------------------------------------


def logit_effects(
    events: Sequence[int], totals: Sequence[int], labels: Sequence[str] | None = None
) -> tuple[list[float], list[float]]:
    """Logits and their variances; 0.5 is added to both cells only for studies with 0 or n events."""
    names = _labels(len(events), labels)
    if len(events) != len(totals):
        raise ValueError(f"events and totals differ in length ({len(events)} vs {len(totals)})")
    ys, vs = [], []
    for e, t, name in zip(events, totals, names, strict=True):
        x, n = _check_count(e, t, name)
        a, b = (x + 0.5, n - x + 0.5) if x in (0, n) else (float(x), float(n - x))
        ys.append(math.log(a / b))
        vs.append(1.0 / a + 1.0 / b)
    return ys, vs


def _labels(k: int, labels: Sequence[str] | None) -> list[str]:
    if labels is None:
        return [str(i + 1) for i in range(k)]
    if len(labels) != k:
        raise ValueError(f"labels and studies differ in length ({len(labels)} vs {k})")
    return [repr(str(x)) for x in labels]


def _weighted_mean(y: Sequence[float], w: Sequence[float]) -> float:
    return math.fsum(wi * yi for wi, yi in zip(w, y, strict=True)) / math.fsum(w)


def _tau2_dl(y: Sequence[float], v: Sequence[float]) -> float:
    k = len(y)
    if k < 2:
        return 0.0
    w = [1.0 / vi for vi in v]
    sw = math.fsum(w)
    mu = _weighted_mean(y, w)
    q = math.fsum(wi * (yi - mu) ** 2 for wi, yi in zip(w, y, strict=True))
    c = sw - math.fsum(wi * wi for wi in w) / sw
    return max(0.0, (q - (k - 1)) / c)


def _reml_loglik(y: Sequence[float], v: Sequence[float], tau2: float) -> float:
    """The restricted log-likelihood of an intercept-only random-effects model, up to a constant."""
    w = [1.0 / (vi + tau2) for vi in v]
    sw = math.fsum(w)
    mu = _weighted_mean(y, w)
    q = math.fsum(wi * (yi - mu) ** 2 for wi, yi in zip(w, y, strict=True))
    return -0.5 * (math.fsum(math.log(vi + tau2) for vi in v) + math.log(sw) + q)


def _tau2_reml(y: Sequence[float], v: Sequence[float]) -> float:
    """REML by Fisher scoring from the DL estimate, kept >= 0, with step halving whenever a step
    would lower the restricted likelihood (so that it cannot oscillate), to |change| < 1e-10."""
    if len(y) < 2:
        return 0.0
    tau2 = _tau2_dl(y, v)
    ll = _reml_loglik(y, v, tau2)
    for _ in range(_REML_MAXITER):
        w = [1.0 / (vi + tau2) for vi in v]
        sw = math.fsum(w)
        sw2 = math.fsum(wi * wi for wi in w)
        sw3 = math.fsum(wi**3 for wi in w)
        mu = _weighted_mean(y, w)
        # For an intercept-only model, P = W - w w'/sum(w): y'PPy, tr(P) and tr(PP) in closed form.
        ypp = math.fsum((wi * (yi - mu)) ** 2 for wi, yi in zip(w, y, strict=True))
        tr_p = sw - sw2 / sw
        tr_pp = sw2 - 2.0 * sw3 / sw + (sw2 / sw) ** 2
        step = (ypp - tr_p) / tr_pp
        for _ in range(60):
            new = max(0.0, tau2 + step)
            new_ll = _reml_loglik(y, v, new)
            if new_ll >= ll or abs(new - tau2) < _REML_TOL:
                break
            step /= 2.0
        if abs(new - tau2) < _REML_TOL:
            return new
        tau2, ll = new, new_ll
    return _tau2_reml_bisect(y, v)


def _reml_score(y: Sequence[float], v: Sequence[float], tau2: float) -> float:
    w = [1.0 / (vi + tau2) for vi in v]
    sw = math.fsum(w)
    mu = _weighted_mean(y, w)
    ypp = math.fsum((wi * (yi - mu)) ** 2 for wi, yi in zip(w, y, strict=True))
    return ypp - (sw - math.fsum(wi * wi for wi in w) / sw)


def _tau2_reml_bisect(y: Sequence[float], v: Sequence[float]) -> float:
    """The root of the REML score by bisection: the fallback when Fisher scoring crawls."""
    if _reml_score(y, v, 0.0) <= 0:
        return 0.0
    low, high = 0.0, 1.0
    while _reml_score(y, v, high) > 0:
        low, high = high, high * 2
        if high > 1e12:
            raise ConvergenceError("REML estimate of tau² did not converge")
    while high - low > _REML_TOL * max(1.0, high):
        mid = (low + high) / 2
        if _reml_score(y, v, mid) > 0:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def pool_effects(
    y: Sequence[float],
    v: Sequence[float],
    method: str = "dl",
    hksj: bool = False,
    level: float = 0.95,
    labels: Sequence[str] | None = None,
) -> PooledEffects:
    """Inverse-variance random-effects pooling of effects ``y`` with sampling variances ``v``.

    ``method`` estimates tau²: "dl" (DerSimonian-Laird) or "reml". ``hksj`` uses the
    Hartung-Knapp-Sidik-Jonkman interval (t with k-1 df, untruncated, as metafor's test="knha");
    it needs k >= 2. The prediction interval (k >= 3) is mu ± t(k-2) sqrt(tau² + SE²), SE being the
    usual random-effects standard error (Higgins, Thompson, Spiegelhalter 2009).
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose from: {', '.join(METHODS)}")
    _check_level(level)
    k = len(y)
    names = _labels(k, labels)
    if len(v) != k:
        raise ValueError(f"effects and variances differ in length ({k} vs {len(v)})")
    if k == 0:
        raise ValueError("no studies to pool")
    for yi, vi, name in zip(y, v, names, strict=True):
        if not (isinstance(yi, Real) and math.isfinite(yi)):
            raise ValueError(f"study {name}: effect must be a finite number, got {yi!r}")
        if not (isinstance(vi, Real) and math.isfinite(vi) and vi > 0):
            raise ValueError(f"study {name}: variance must be a positive finite number, got {vi!r}")
    if hksj and k < 2:
        raise ValueError("the HKSJ interval needs at least 2 studies")
    y, v = [float(x) for x in y], [float(x) for x in v]

    w_fe = [1.0 / vi for vi in v]
    mu_fe = _weighted_mean(y, w_fe)
    se_fe = math.sqrt(1.0 / math.fsum(w_fe))
    q = math.fsum(wi * (yi - mu_fe) ** 2 for wi, yi in zip(w_fe, y, strict=True))
    i2 = max(0.0, (q - (k - 1)) / q) * 100.0 if q > 0 else 0.0
    z = _z(level)
    fixed = Interval(mu_fe, mu_fe - z * se_fe, mu_fe + z * se_fe)

    tau2 = _tau2_dl(y, v) if method == "dl" else _tau2_reml(y, v)
    w = [1.0 / (vi + tau2) for vi in v]
    mu = _weighted_mean(y, w)
    se_re = math.sqrt(1.0 / math.fsum(w))
    if hksj:
        scale = math.fsum(wi * (yi - mu) ** 2 for wi, yi in zip(w, y, strict=True)) / (k - 1)
        se, crit = math.sqrt(scale) * se_re, t_ppf(0.5 + level / 2.0, k - 1)
    else:
        se, crit = se_re, z
    pi_low = pi_high = None
    if k >= 3:
        half = t_ppf(0.5 + level / 2.0, k - 2) * math.sqrt(tau2 + se_re * se_re)
        pi_low, pi_high = mu - half, mu + half
    return PooledEffects(
        mu, se, mu - crit * se, mu + crit * se, tau2, i2, q, k, pi_low, pi_high, fixed, method, hksj, level
    )


def expit(x: float) -> float:
    """Inverse logit, stable for large |x|."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def pool_proportions(
    events: Sequence[int],
    totals: Sequence[int],
    method: str = "dl",
    hksj: bool = False,
    level: float = 0.95,
    labels: Sequence[str] | None = None,
) -> PooledProportion:
    """Random-effects pooled proportion of events/totals on the logit scale, back-transformed to 0-1.

    ``labels`` (e.g. "Author Year") name the offending study in a ValueError on bad input.
    See :func:`pool_effects` for ``method``, ``hksj`` and the prediction interval.
    """
    if len(events) != len(totals):
        raise ValueError(f"events and totals differ in length ({len(events)} vs {len(totals)})")
    ys, vs = logit_effects(events, totals, labels)
    r = pool_effects(ys, vs, method=method, hksj=hksj, level=level)
    fixed = Interval(expit(r.fixed.estimate), expit(r.fixed.ci_low), expit(r.fixed.ci_high))
    return PooledProportion(
        estimate=expit(r.estimate),
        ci_low=expit(r.ci_low),
        ci_high=expit(r.ci_high),
        tau2=r.tau2,
        i2=r.i2,
        q=r.q,
        k=r.k,
        n=sum(int(t) for t in totals),
        events=sum(int(e) for e in events),
        pi_low=None if r.pi_low is None else expit(r.pi_low),
        pi_high=None if r.pi_high is None else expit(r.pi_high),
        fixed=fixed,
        method=method,
        hksj=hksj,
        level=level,
        logit=r,
    )
