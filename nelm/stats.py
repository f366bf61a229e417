"""Kept so that the documented `from nelm.stats import pool_proportions` keeps working; the pooling
statistics live in nelm.analysis.stats."""

from nelm.analysis.stats import (  # noqa: F401
    ConvergenceError,
    Interval,
    PooledEffects,
    PooledProportion,
    clopper_pearson_interval,
    pool_effects,
    pool_proportions,
    proportion_interval,
    wilson_interval,
)
