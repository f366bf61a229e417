"""The honest-model rules (schema nelm/2): subgroups, own denominators, the dimensions that make two
figures the same measure, cohorts, head-to-head comparisons and what kind of source may support what.

`validate.Builder` calls these while it reads a file. Every evidence file is nelm/2; a nelm/1 file is
refused with a message to migrate it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nelm.evidence.model import Arm, Comparison
from nelm.evidence.yamlsafe import Map, Seq

if TYPE_CHECKING:
    from nelm.evidence.validate.checker import Checker

TIME_ORIGINS = ("primary-diagnosis", "metastasis-diagnosis", "treatment", "unstated")
RESPONSE_LEVELS = ("any", "significant", "complete", "unstated")
DIMENSIONS = ("time_origin", "response_level", "criteria")  # what an outcome may require of its findings
MEASURES = (
    "hazard-ratio",
    "odds-ratio",
    "relative-risk",
    "risk-difference",
    "median-difference",
    "rate-difference",
    "test",  # a significance test without an effect size: only p
)
RATIO_MEASURES = ("hazard-ratio", "odds-ratio", "relative-risk")
LEGACY_STATS = ("hazard-ratio", "odds-ratio", "relative-risk", "comparison")  # nelm/1 findings; comparisons in nelm/2
PEER_REVIEWED = ("original", "systematic-review", "meta-analysis", "narrative-review", "book-chapter", "trial-protocol")
GUIDANCE = ("guideline", "consensus", "hta")
SUPPORTING = PEER_REVIEWED + GUIDANCE  # kinds that can support an indication or a headline alone
LEGACY_SOURCE_TYPES = ("review", "web-page", "abstract")
FINDING_FIELDS = ("subgroup", "time_origin", "response_level", "factor")
STUDY_FIELDS = ("cohort", "includes", "tumor_mix", "comparisons")
COMPARISON_FIELDS = (
    "outcome",
    "measure",
    "arm",
    "vs",
    "exposure",
    "reference",
    "value",
    "qualifier",
    "unit",
    "ci",
    "ci_level",
    "p",
    "p_qualifier",
    "adjusted",
    "direction",
    "timepoint",
    "subgroup",
    "n",
    "definition",
    "source_loc",
    "note",
    "factor",
)


def finding_extras(c: Checker, m: Map, path: str) -> dict[str, Any]:
    """The nelm/2 fields of a finding (accepted in nelm/1 files too)."""
    return {
        "subgroup": c.get(m, "subgroup", path, "str"),
        "time_origin": c.get(m, "time_origin", path, "str", choices=TIME_ORIGINS),
        "response_level": c.get(m, "response_level", path, "str", choices=RESPONSE_LEVELS),
        "factor": c.get(m, "factor", path, "str"),
    }


def check_finding(
    c: Checker,
    m: Map,
    path: str,
    *,
    stat: str | None,
    outcome_dims: tuple[str, ...],
    outcome_kind: str | None,
    n: int | None,
    study_n: int | None,
    has_arm: bool,
    subgroup: str | None,
    uoa: str | None,
) -> None:
    """The honest-model rules for one finding."""
    if stat in LEGACY_STATS:
        c.problem(
            m.lines.get("stat", m.line),
            _join(path, "stat"),
            f"{stat!r} is a head-to-head result: record it under the study's comparisons (measure, arms, direction)",
        )
        return
    if "n" not in m:
        c.problem(
            m.line,
            _join(path, "n"),
            "missing (every figure states its own denominator, or n: null when the source gives none)",
        )
    if n and study_n and n < study_n and not has_arm and not subgroup and uoa in (None, "patient"):
        c.problem(
            m.lines.get("n", m.line),
            _join(path, "n"),
            f"n {n} is fewer than the study's {study_n} patients: name the subset with subgroup: (or the arm)",
        )
    for dim in outcome_dims:
        if dim == "time_origin" and (outcome_kind != "tte" or stat not in ("median", "mean", "proportion")):
            continue
        if m.get(dim) is None:  # null would dodge the rule: "unstated" is the honest answer
            c.problem(
                m.line,
                _join(path, dim),
                f'missing (this outcome\'s figures must say their {dim.replace("_", " ")}, or "unstated")',
            )


def study_extras(
    c: Checker, m: Map, path: str, *, study: str, modality: str, arms: dict[str, Arm], refs: list[Any]
) -> dict[str, Any]:
    """Cohort, included studies, tumour mix and comparisons of a study."""
    cohort = c.get(m, "cohort", path, "str")
    includes = c.get(m, "includes", path, "strs") or ()
    mix: list[tuple[str, int]] = []
    raw = m.get("tumor_mix")
    if raw is not None:
        mm = c.mapping(raw, m.lines.get("tumor_mix"), _join(path, "tumor_mix"))
        if mm is not None:
            for key in mm:
                count = c.get(mm, key, _join(path, "tumor_mix"), "int", low=0)
                if count is not None:
                    mix.append((key, count))
            total = sum(x for _, x in mix)
            n = m.get("n")
            if isinstance(n, int) and total > n and not m.get("n_qualifier"):
                c.problem(
                    m.lines["tumor_mix"],
                    _join(path, "tumor_mix"),
                    f"counts add up to {total}, more than the study's n {n}",
                )
    comparisons = []
    from nelm.evidence.validate.checker import _items

    for cm, cpath in _items(c, m, "comparisons", path):
        comp = _comparison(c, cm, cpath, study=study, modality=modality, arms=arms)
        if comp is not None:
            comparisons.append(comp)
            if comp.outcome:  # a missing outcome is reported once, as missing
                refs.append(("outcome", comp.outcome, c, cm.lines.get("outcome", cm.line), _join(cpath, "outcome")))
            if comp.factor:
                refs.append(("factor", comp.factor, c, cm.lines["factor"], _join(cpath, "factor")))
    return {"cohort": cohort, "includes": tuple(includes), "tumor_mix": tuple(mix), "comparisons": tuple(comparisons)}


def _comparison(c: Checker, m: Map, path: str, *, study: str, modality: str, arms: dict[str, Arm]) -> Comparison | None:
    from nelm.evidence.validate.vocabulary import QUALIFIERS, TIMEPOINT, UNITS

    c.known(m, path, COMPARISON_FIELDS)
    outcome = c.get(m, "outcome", path, "str", required=True)
    measure = c.get(m, "measure", path, "str", required=True, choices=MEASURES)
    arm = c.get(m, "arm", path, "str")
    vs = c.get(m, "vs", path, "str")
    exposure = c.get(m, "exposure", path, "str")
    reference = c.get(m, "reference", path, "str")
    for key, ref in (("arm", arm), ("vs", vs)):
        if ref and ref not in arms:
            c.problem(m.lines[key], _join(path, key), f"arm {ref!r} is not an arm of this study")
    if not ((arm and vs) or exposure):
        c.problem(m.line, path, "a comparison names both arms (arm: and vs:) or an exposure (exposure:, reference:)")
    if (arm or vs) and exposure:
        c.problem(m.line, path, "give either arms (arm:, vs:) or an exposure, not both")
    value: Any = None
    raw = m.get("value")
    if raw is not None:
        value = c.get(m, "value", path, "pair") if isinstance(raw, Seq) else c.get(m, "value", path, "num")
    if measure and measure != "test" and value is None:
        c.problem(
            m.line,
            _join(path, "value"),
            f"missing (a {measure} needs its value; use measure: test for a p value alone)",
        )
    if measure == "test" and "p" not in m:
        c.problem(m.line, _join(path, "p"), "missing (a test without an effect size needs its p value)")
    lo = value[0] if isinstance(value, tuple) else value
    if measure in RATIO_MEASURES and lo is not None and lo <= 0:
        c.problem(m.lines.get("value", m.line), _join(path, "value"), f"{lo} is not a valid ratio (expected above 0)")
    ci = c.get(m, "ci", path, "pair")
    if measure in RATIO_MEASURES and ci and ci[0] < 0:
        c.problem(m.lines["ci"], _join(path, "ci"), f"a ratio's interval cannot go below 0 (got {ci[0]:g})")
    if ci and isinstance(value, (int, float)) and not (ci[0] <= value <= ci[1]):
        c.problem(m.lines["ci"], _join(path, "ci"), f"[{ci[0]:g}, {ci[1]:g}] does not contain the value {value:g}")
    direction = c.get(m, "direction", path, "str", required=measure not in (None, "test"))
    mods: list[str] = []
    for ref in (arm, vs):
        for mod in arms[ref].modalities if ref in arms else ():
            if mod not in mods:
                mods.append(mod)
    if (exposure or not mods) and modality not in mods:
        mods.insert(0, modality)
    n = c.get(m, "n", path, "int", low=1)
    return Comparison(
        outcome=outcome or "",
        measure=measure or "test",
        study=study,
        modalities=tuple(mods),
        arm=arm,
        vs=vs,
        exposure=exposure,
        reference=reference,
        value=value,
        qualifier=c.get(m, "qualifier", path, "str", choices=QUALIFIERS),
        unit=c.get(m, "unit", path, "str", choices=UNITS),
        ci=ci,
        ci_level=c.get(m, "ci_level", path, "num", low=0.5, high=0.9999) or 0.95,
        p=c.get(m, "p", path, "num", low=0, high=1),
        p_qualifier=c.get(m, "p_qualifier", path, "str", choices=QUALIFIERS),
        adjusted=c.get(m, "adjusted", path, "bool"),
        direction=direction,
        timepoint=c.get(m, "timepoint", path, "str", pattern=TIMEPOINT),
        subgroup=c.get(m, "subgroup", path, "str"),
        n=n,
        n_unstated="n" in m and m["n"] is None,
        definition=c.get(m, "definition", path, "str"),
        source_loc=c.get(m, "source_loc", path, "str"),
        note=c.get(m, "note", path, "str"),
        factor=c.get(m, "factor", path, "str"),
        loc=c.loc(m),
    )


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
