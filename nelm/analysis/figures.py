"""Figures as text and as JSON-ready records: one place decides how a number is shown."""

from __future__ import annotations

from typing import Any

from nelm.evidence.model import Comparison, Evidence, Finding, Number, Source, Study

_QUAL = {"approx": "~", "up-to": "up to ", "at-least": ">=", "more-than": ">", "less-than": "<"}
_N_QUAL = {"approx": "~", "up-to": "<=", "at-least": ">=", "more-than": ">", "less-than": "<"}
_UNIT_SHORT = {"months": "mo", "years": "y", "weeks": "wk", "days": "d", "hours": "h", "%": "%"}
_STAT_WORD = {
    "median": "median ",
    "mean": "mean ",
    "hazard-ratio": "HR ",
    "odds-ratio": "OR ",
    "relative-risk": "RR ",
    "count": "",
}


def num(x: float | int) -> str:
    """A number as printed: no trailing .0, no rounding beyond what was recorded."""
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x) if isinstance(x, float) else str(x)


def unit_suffix(unit: str | None) -> str:
    """'%', ' mo', ' y', ' score'; nothing for ratios and missing units."""
    if not unit or unit == "ratio":
        return ""
    short = _UNIT_SHORT.get(unit, unit)
    return short if short == "%" else " " + short


def value_text(f: Finding) -> str:
    """'83%', '75-100%', '~50%', 'median 3.9 y', '11 +/- 2.3 mo'."""
    if f.value is None:
        return "p=" + num(f.p) if f.p is not None else "qualitative"
    unit = unit_suffix(f.unit)
    if f.value == 1 and unit in (" patients", " lesions", " procedures"):
        unit = unit[:-1]
    v = f"{num(f.value[0])}-{num(f.value[1])}" if isinstance(f.value, tuple) else num(f.value)
    text = f"{_STAT_WORD.get(f.stat, '')}{_QUAL.get(f.qualifier or '', '')}{v}"
    if f.spread is not None:
        text += f" +/- {num(f.spread)}"
    return text + unit


def ci_level_text(level: float) -> str:
    """'95%', '99.9%', '90%': the level as recorded, never rounded to a neighbour."""
    return f"{level * 100:.10g}%"


def ci_text(ci: tuple[Number, Number], level: float) -> str:
    """'95% CI 0.73-1.24', the level as recorded."""
    return f"{ci_level_text(level)} CI {num(ci[0])}-{num(ci[1])}"


def p_text(p: float, qualifier: str | None) -> str:
    """'p=0.01', or 'p<0.001' with its qualifier kept."""
    return f"p{_QUAL[qualifier].strip()}{num(p)}" if qualifier else f"p={num(p)}"


def n_text(n: int | None, qualifier: str | None) -> str:
    """'n=60', or with a qualifier 'n>60', 'n<=60', 'n~60'."""
    if n is None:
        return ""
    return f"n{_N_QUAL[qualifier]}{n}" if qualifier else f"n={n}"


def citation(ev: Evidence, study: Study) -> str:
    """Short citation: 'Musunuru 2006', 'Henn 2003 via Mohan 2015'. A review's own reference
    numbers (`cites`) never appear: they would collide with nelm's."""
    src = ev.sources.get(study.source)
    text = source_label(src) if src else study.source
    if study.via and study.via != study.source:
        via = ev.sources.get(study.via)
        text += f" via {source_label(via) if via else study.via}"
    return text


def source_label(src: Source) -> str:
    """'Musunuru 2006'; a source that is neither peer-reviewed nor guidance says what it is:
    'PDQ 2014, summary', 'Wascher, patient information'."""
    from nelm.evidence.honest import SUPPORTING

    if src.type in SUPPORTING:
        return src.label
    return f"{src.label}, {src.type.replace('-', ' ')}"


def source_labels(ev: Evidence, source_ids: tuple[str, ...] | list[str]) -> str:
    """'Chen 2018; Lv 2016': the labels of several sources (an unknown id as itself)."""
    return "; ".join(source_label(ev.sources[s]) if s in ev.sources else s for s in source_ids)


_ORIGIN = {
    "primary-diagnosis": "from diagnosis",
    "metastasis-diagnosis": "from liver metastases",
    "treatment": "from treatment",
}
_LEVEL = {"any": "any or partial", "significant": "significant or complete", "complete": "complete"}


def measure_prefix(ev: Evidence, study: Study, f: Finding, *, technique: bool = True) -> str:
    """What the figure is about, before its value: technique, subgroup, response level, timepoint."""
    parts = []
    if technique and (t := ev.technique(f.technique)):
        parts.append(t.label)
    if f.subgroup:
        parts.append(f.subgroup)
    if f.response_level in _LEVEL:
        parts.append(_LEVEL[f.response_level])
    if f.timepoint:
        parts.append(f.timepoint)
    if study.indirect:
        parts.insert(0, "indirect evidence")
    return "".join(p + ": " for p in parts)


def measure_suffix(f: Finding) -> str:
    """' from diagnosis' for survival measured from a stated origin."""
    origin = _ORIGIN.get(f.time_origin or "")
    return f" {origin}" if origin else ""


def figure_text(ev: Evidence, study: Study, f: Finding, *, detail: bool = False) -> str:
    """One finding as a compact line, e.g. '3y: 83% (n=13; p=0.01; Musunuru 2006)'."""
    arm = study.arm(f.arm)
    parts = []
    # The figure's own denominator only: never the arm's or the study's size.
    if f.n is not None:
        parts.append(f"{f.events}/{f.n}" if f.events is not None else n_text(f.n, f.n_qualifier))
    else:
        parts.append("n not stated")
    if f.ci:
        parts.append(ci_text(f.ci, f.ci_level))
    if f.range:
        parts.append(f"range {num(f.range[0])}-{num(f.range[1])}")
    if f.iqr:
        parts.append(f"IQR {num(f.iqr[0])}-{num(f.iqr[1])}")
    if f.p is not None and f.value is not None:
        parts.append(p_text(f.p, f.p_qualifier))
    parts.append(citation(ev, study))
    per = f" per {f.unit_of_analysis}" if f.unit_of_analysis not in (None, "patient") else ""
    show_arm = arm is not None and (detail or len(study.arms) > 1)
    t = ev.technique(f.technique)
    repeats = show_arm and arm is not None and t is not None and t.label.lower() in arm.label.lower()
    head = measure_prefix(ev, study, f, technique=not repeats)
    text = f"{head}{value_text(f)}{per}{measure_suffix(f)} ({'; '.join(parts)})"
    if f.vs:
        other = study.arm(f.vs)
        twin = next(
            (
                g
                for g in study.findings
                if g.arm == f.vs
                and (g.outcome, g.timepoint, g.stat, g.unit) == (f.outcome, f.timepoint, f.stat, f.unit)
                and g.value is not None
            ),
            None,
        )
        text += " vs " + (f"{value_text(twin)} " if twin else "") + (other.label if other else f.vs)
    if show_arm and arm:
        text = f"{arm.label}: {text}"
    if detail:
        extra = [x.rstrip(".") for x in (f.definition, f.criteria and f"criteria: {f.criteria}", f.note) if x]
        extra.append(f"{study.design}, LoE {study.loe}" if study.loe else study.design)
        text += " - " + "; ".join(extra)
    return text


_MEASURE_WORD = {
    "hazard-ratio": "HR",
    "odds-ratio": "OR",
    "relative-risk": "RR",
    "risk-difference": "risk difference",
    "median-difference": "difference in medians",
    "rate-difference": "difference in rates",
    "test": "",
}


def comparison_sides(study: Study, c: Comparison) -> tuple[str, str]:
    """The two sides in words: arm labels, or the exposure and its reference."""
    if c.exposure:
        return c.exposure, c.reference or "its absence"
    a, b = study.arm(c.arm), study.arm(c.vs)
    return (a.label if a else c.arm or "?"), (b.label if b else c.vs or "?")


def comparison_text(ev: Evidence, study: Study, c: Comparison) -> str:
    """'chemoembolization vs bland embolization: OS HR 0.96 (95% CI 0.73-1.24; p<0.74; n=...; Tai 2020);
    HR below 1 favours chemoembolization'."""
    left, right = comparison_sides(study, c)
    outcome = ev.outcomes[c.outcome].label if c.outcome in ev.outcomes else c.outcome
    head = "".join(p + ": " for p in (c.subgroup, c.timepoint) if p)
    if c.value is None:
        value = "tested"
    else:
        v = f"{num(c.value[0])}-{num(c.value[1])}" if isinstance(c.value, tuple) else num(c.value)
        value = f"{_MEASURE_WORD.get(c.measure, c.measure)} {_QUAL.get(c.qualifier or '', '')}{v}{unit_suffix(c.unit)}".strip()
    parts = []
    if c.ci:
        parts.append(ci_text(c.ci, c.ci_level))
    if c.p is not None:
        parts.append(p_text(c.p, c.p_qualifier))
    if c.adjusted is not None:
        parts.append("adjusted" if c.adjusted else "unadjusted")
    if c.n is not None:
        parts.append(n_text(c.n, None))
    if study.indirect:
        parts.append("indirect evidence")
    parts.append(citation(ev, study))
    text = f"{left} vs {right}: {outcome} {head}{value} ({'; '.join(parts)})"
    return f"{text}; {c.direction}" if c.direction else text


def comparison_record(ev: Evidence, study: Study, c: Comparison) -> dict[str, Any]:
    left, right = comparison_sides(study, c)
    src = ev.sources.get(study.source)
    pair = isinstance(c.value, tuple)
    return {
        "study": study.id,
        "modalities": list(c.modalities),
        "outcome": c.outcome,
        "measure": c.measure,
        "arm": c.arm,
        "vs": c.vs,
        "exposure": c.exposure,
        "reference": c.reference,
        "left": left,
        "right": right,
        "value": c.value[0] if pair else c.value,  # type: ignore[index]
        "value_max": c.value[1] if pair else None,  # type: ignore[index]
        "qualifier": c.qualifier,
        "ci_low": c.ci[0] if c.ci else None,
        "ci_high": c.ci[1] if c.ci else None,
        "ci_level": c.ci_level,
        "p": c.p,
        "p_qualifier": c.p_qualifier,
        "adjusted": c.adjusted,
        "direction": c.direction,
        "timepoint": c.timepoint,
        "subgroup": c.subgroup,
        "n": c.n,
        "definition": c.definition,
        "note": c.note,
        "indirect": study.indirect,
        "design": study.design,
        "loe": study.loe,
        "figure": comparison_text(ev, study, c),
        "citation": citation(ev, study),
        "source": study.source,
        "via": study.via,
        "year": src.year if src else None,
        "pmid": src.pmid if src else None,
        "doi": src.doi if src else None,
        "location": str(c.loc) if c.loc else None,
    }


# The keys of a figure record, in order (docs/json-schema.md): selectable with --fields even when
# nothing matches.
RECORD_FIELDS = tuple(
    "study modalities technique outcome stat value value_max qualifier unit timepoint n n_qualifier "
    "n_stated subgroup time_origin response_level factor events derived unit_of_analysis ci_low ci_high ci_level spread spread_kind range_low "
    "range_high iqr_low iqr_high p p_qualifier method arm vs criteria definition note figure citation "
    "source via year design loe study_n cohort synthesis indirect tumor_types population period_start period_end "
    "not_stated pmid doi url read_in read_url source_loc location tumor_share".split()
)


def figure_record(ev: Evidence, study: Study, f: Finding) -> dict[str, Any]:
    """A finding as a flat JSON-ready record (numbers stay numbers, missing values are None)."""
    src: Source | None = ev.sources.get(study.source)
    pair = isinstance(f.value, tuple)
    return {
        "study": study.id,
        "modalities": list(f.modalities),
        "technique": f.technique,
        "outcome": f.outcome,
        "stat": f.stat,
        "value": f.value[0] if pair else f.value,  # type: ignore[index]
        "value_max": f.value[1] if pair else None,  # type: ignore[index]
        "qualifier": f.qualifier,
        "unit": f.unit,
        "timepoint": f.timepoint,
        "n": f.n,
        "n_qualifier": f.n_qualifier,
        "n_stated": f.n is not None,
        "subgroup": f.subgroup,
        "time_origin": f.time_origin,
        "response_level": f.response_level,
        "factor": f.factor,
        "events": f.events,
        "derived": f.derived,
        "unit_of_analysis": f.unit_of_analysis,
        "ci_low": f.ci[0] if f.ci else None,
        "ci_high": f.ci[1] if f.ci else None,
        "ci_level": f.ci_level if f.ci else None,
        "spread": f.spread,
        "spread_kind": f.spread_kind,
        "range_low": f.range[0] if f.range else None,
        "range_high": f.range[1] if f.range else None,
        "iqr_low": f.iqr[0] if f.iqr else None,
        "iqr_high": f.iqr[1] if f.iqr else None,
        "p": f.p,
        "p_qualifier": f.p_qualifier,
        "method": f.method,
        "arm": f.arm,
        "vs": f.vs,
        "criteria": f.criteria,
        "definition": f.definition,
        "note": f.note,
        "figure": figure_text(ev, study, f),
        "citation": citation(ev, study),
        "source": study.source,
        "via": study.via,
        "year": src.year if src else None,
        "design": study.design,
        "loe": study.loe,
        "study_n": study.n,
        "cohort": study.cohort or study.id,
        "synthesis": study.is_synthesis,
        "indirect": study.indirect,
        "tumor_types": list(study.tumor_types),
        "population": study.population,
        "period_start": study.period[0] if study.period else None,
        "period_end": study.period[1] if study.period else None,
        "not_stated": list(study.not_stated),
        "pmid": src.pmid if src else None,
        "doi": src.doi if src else None,
        "url": src.url if src else None,
        "read_in": study.via or study.source,
        "read_url": read_url(ev, study),
        "source_loc": f.source_loc,
        "location": str(f.loc) if f.loc else None,
        "tumor_share": None,  # with a --tumor filter: the matching share of a mixed population
    }


def read_url(ev: Evidence, study: Study) -> str | None:
    """Where the figure's text was read: the study's own page of it, else the URL of the `via`
    document or the source, or its seed file."""
    src = ev.sources.get(study.via or study.source)
    if src is None:
        return study.url
    return study.url or src.url or (f"seed:{src.seed}" if src.seed else None)


def reference(ev: Evidence, study: Study) -> str:
    """The study's Vancouver reference, followed by the document it was read in when that differs."""
    src = ev.sources.get(study.source)
    text = vancouver(src) if src else study.source
    via = ev.sources.get(study.via) if study.via and study.via != study.source else None
    return f"{text} Cited in: {vancouver(via)}" if via else text


def vancouver(src: Source) -> str:
    """A Vancouver-style reference a clinician can paste."""
    authors = list(src.authors[:6])
    names = ", ".join(authors)
    if src.et_al or len(src.authors) > 6:
        names = f"{names}, et al" if names else "et al"
    title = src.title.rstrip(".")
    parts = [names + "." if names else "", title if title.endswith(("?", "!")) else title + "."]
    venue = src.journal or src.publisher
    if src.journal:
        tail = f"{src.journal.rstrip('.')}." + (f" {src.year}" if src.year else "")
        if src.volume:
            tail += f";{src.volume}"
            if src.issue:
                tail += f"({src.issue})"
        if src.pages:
            tail += f":{src.pages}"
        parts.append(tail.rstrip() + ".")
    elif venue:
        parts.append(f"{venue}; {src.year}." if src.year else f"{venue}.")
    if src.doi:
        parts.append(f"doi:{src.doi}.")
    if src.pmid:
        parts.append(f"PMID: {src.pmid}.")
    if not (src.doi or src.pmid) and src.url:
        parts.append(f"Available from: {src.url}")
    return " ".join(p for p in parts if p)
