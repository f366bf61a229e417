"""A study and its findings, inside a modality or topic file."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nelm.evidence import honest
from nelm.evidence.model import (
    Arm,
    Finding,
    Study,
)
from nelm.evidence.validate.checker import Checker, _ci_level, _fmt, _hint, _items, _join, _pair_bounds
from nelm.evidence.validate.vocabulary import (
    DESIGNS,
    ID,
    METHODS,
    NOT_STATED,
    QUALIFIERS,
    SPREAD_KINDS,
    STATS,
    TIMEPOINT,
    TUMOR_TYPES,
    UNITS,
    UNITS_OF_ANALYSIS,
    URL,
)
from nelm.evidence.yamlsafe import Map, Seq

if TYPE_CHECKING:
    from nelm.evidence.validate.state import State


def read_study(b: State, c: Checker, m: Map, path: str, modality: str) -> Study | None:
    c.known(
        m,
        path,
        (
            "id",
            "source",
            "via",
            "cites",
            "design",
            "comparative",
            "loe",
            "loe_note",
            "n",
            "n_qualifier",
            "k",
            "tumor_types",
            "population",
            "liver_only",
            "indirect",
            "period",
            "not_stated",
            "url",
            "arms",
            "findings",
            "note",
            *honest.STUDY_FIELDS,
        ),
    )
    sid = c.get(m, "id", path, "str", required=True, pattern=ID)
    if sid is None:
        return None
    if sid in b.study_ids:
        c.problem(m.lines.get("id"), _join(path, "id"), f"study id {sid!r} is used twice (also at {b.study_ids[sid]})")
        return None
    b.study_ids[sid] = c.loc(m)
    source = c.get(m, "source", path, "str", required=True)
    via = c.get(m, "via", path, "str")
    for key, ref in (("source", source), ("via", via)):
        if ref:
            b.refs.append(("source", ref, c, m.lines[key], _join(path, key)))
    if source:
        b.read_checks.append(
            (source, via, c, m.lines.get("via", m.lines["source"]), _join(path, "via" if via else "source"))
        )
    n = c.get(m, "n", path, "int", low=1)
    arms = []
    arm_ids: set[str] = set()
    for am, apath in _items(c, m, "arms", path):
        c.known(am, apath, ("id", "label", "modality", "technique", "n", "n_derived"))
        aid = c.get(am, "id", apath, "str", required=True, pattern=ID)
        if aid is None:
            continue
        if aid in arm_ids:
            c.problem(am.lines.get("id"), _join(apath, "id"), f"arm id {aid!r} is used twice in this study")
            continue
        arm_ids.add(aid)
        mods = c.get(am, "modality", apath, "strs") or ()
        for mod in mods:
            b.refs.append(("modality", mod, c, am.lines.get("modality", am.line), _join(apath, "modality")))
        technique = c.get(am, "technique", apath, "str")
        if technique:
            b.technique_refs.append((technique, mods, c, am.lines["technique"], _join(apath, "technique")))
        arm_n = c.get(am, "n", apath, "int", low=1)
        if arm_n and n and arm_n > n and not m.get("n_qualifier"):
            c.problem(am.lines.get("n"), _join(apath, "n"), f"arm n {arm_n} exceeds the study's n {n}")
        arms.append(
            Arm(
                id=aid,
                label=c.get(am, "label", apath, "str", required=True) or aid,
                modalities=mods,
                n=arm_n,
                n_derived=bool(c.get(am, "n_derived", apath, "bool")),
                technique=technique,
            )
        )
    period = None
    pm = m.get("period")
    if pm is not None:
        pmap = c.mapping(pm, m.lines.get("period"), _join(path, "period"))
        if pmap is not None:
            ppath = _join(path, "period")
            c.known(pmap, ppath, ("start", "end"))
            start = c.get(pmap, "start", ppath, "int", low=1900, high=b.this_year)
            end = c.get(pmap, "end", ppath, "int", low=1900, high=b.this_year)
            if start and end and start > end:
                c.problem(pmap.line, ppath, f"start {start} is after end {end}")
            period = (start, end)
    study_n_qual = c.get(m, "n_qualifier", path, "str", choices=QUALIFIERS)
    not_stated = c.get(m, "not_stated", path, "strs", choices=NOT_STATED) or ()
    for key in not_stated:
        if key in m:
            c.problem(
                m.lines.get("not_stated"), _join(path, "not_stated"), f"{key!r} is given and listed as not stated"
            )
    findings = []
    arm_map = {a.id: a for a in arms}
    for fm, fpath in _items(c, m, "findings", path):
        f = _finding(b, c, fm, fpath, sid, modality, arm_map, None if study_n_qual else n)
        if f is not None:
            findings.append(f)
    extras = honest.study_extras(c, m, path, study=sid, modality=modality, arms=arm_map, refs=b.refs)
    for ref in extras["includes"]:
        b.include_refs.append((ref, c, m.lines["includes"], _join(path, "includes")))
    if "findings" not in m and not extras["comparisons"]:
        c.problem(m.line, _join(path, "findings"), "missing (a study needs at least one finding or comparison)")
    return Study(
        id=sid,
        modality=modality,
        source=source or "",
        via=via,
        cites=c.get(m, "cites", path, "str"),
        design=c.get(m, "design", path, "str", required=True, choices=DESIGNS) or "unstated",
        comparative=bool(c.get(m, "comparative", path, "bool")),
        loe=c.get(m, "loe", path, "int", required=True, low=1, high=5),
        loe_note=c.get(m, "loe_note", path, "str"),
        n=n,
        n_qualifier=study_n_qual,
        k=c.get(m, "k", path, "int", low=1),
        tumor_types=c.get(m, "tumor_types", path, "strs", choices=TUMOR_TYPES) or (),
        population=c.get(m, "population", path, "str", required=True),
        liver_only=c.get(m, "liver_only", path, "bool"),
        indirect=bool(c.get(m, "indirect", path, "bool")),
        period=period,
        not_stated=tuple(not_stated),
        url=c.get(m, "url", path, "str", pattern=URL),
        arms=tuple(arms),
        findings=tuple(findings),
        note=c.get(m, "note", path, "str"),
        loc=c.loc(m),
        **extras,
    )


def _finding(
    b: State, c: Checker, m: Map, path: str, study: str, modality: str, arms: dict[str, Arm], study_n: int | None
) -> Finding | None:
    c.known(
        m,
        path,
        (
            "outcome",
            "arm",
            "vs",
            "stat",
            "value",
            "qualifier",
            "unit",
            "timepoint",
            "n",
            "n_qualifier",
            "events",
            "derived",
            "ci",
            "ci_level",
            "range",
            "iqr",
            "spread",
            "spread_kind",
            "p",
            "p_qualifier",
            "method",
            "criteria",
            "unit_of_analysis",
            "definition",
            "source_loc",
            "note",
            *honest.FINDING_FIELDS,
        ),
    )
    outcome = c.get(m, "outcome", path, "str", required=True)
    if outcome:
        b.refs.append(("outcome", outcome, c, m.lines["outcome"], _join(path, "outcome")))
    stat = c.get(m, "stat", path, "str", required=True, choices=STATS)
    value: Any = None
    raw = m.get("value")
    if raw is not None:
        value = c.get(m, "value", path, "pair") if isinstance(raw, Seq) else c.get(m, "value", path, "num")
    elif stat and stat != "comparison":
        c.problem(m.line, _join(path, "value"), f"missing (a {stat} needs a value)")
    unit = c.get(m, "unit", path, "str", required=stat not in (None, "comparison"), choices=UNITS)
    p = c.get(m, "p", path, "num", low=0, high=1)
    if p == 0:
        c.problem(
            m.lines["p"],
            _join(path, "p"),
            "0 is not a p value (for p < 0.001 write p: 0.001, p_qualifier: less-than)",
        )
    if stat == "comparison" and p is None and not m.get("note") and not m.get("definition"):
        c.problem(m.line, path, "a comparison needs a p value or a definition")
    lo, hi = (value if isinstance(value, tuple) else (value, value)) if value is not None else (None, None)
    vline = m.lines.get("value", m.line)
    if stat == "proportion" and unit and unit != "%":
        c.problem(m.lines.get("unit"), _join(path, "unit"), f'{unit!r} for a proportion (expected "%")')
    if unit == "%" and lo is not None and (lo < 0 or hi > 100):
        c.problem(vline, _join(path, "value"), f"{_fmt(value)} is not a percentage (expected 0 to 100)")
    if stat in ("median", "mean", "count") and lo is not None and lo < 0:
        c.problem(vline, _join(path, "value"), f"{_fmt(value)} is negative")
    if stat in ("hazard-ratio", "odds-ratio", "relative-risk") and lo is not None and lo <= 0:
        c.problem(vline, _join(path, "value"), f"{_fmt(value)} is not a valid ratio (expected above 0)")
    n = c.get(m, "n", path, "int", low=1)
    events = c.get(m, "events", path, "int", low=0)
    uoa = c.get(m, "unit_of_analysis", path, "str", choices=UNITS_OF_ANALYSIS)
    if events is not None and n is not None and events > n:
        c.problem(m.lines["events"], _join(path, "events"), f"events {events} exceed n {n}")
    elif (
        events is not None and n is None and "n" not in m and study_n and events > study_n and uoa in (None, "patient")
    ):
        c.problem(m.lines["events"], _join(path, "events"), f"events {events} exceed the study's n {study_n}")
    if n and study_n and n > study_n and uoa in (None, "patient") and not m.get("n_qualifier"):
        c.problem(
            m.lines["n"],
            _join(path, "n"),
            f"n {n} exceeds the study's n {study_n} (set unit_of_analysis if these are lesions or sessions)",
        )
    ranges: dict[str, Any] = {}
    for key in ("ci", "range", "iqr"):
        ranges[key] = pair = c.get(m, key, path, "pair")
        if pair and lo is not None and lo == hi and not (pair[0] <= lo <= pair[1]):
            c.problem(m.lines[key], _join(path, key), f"{_fmt(pair)} does not contain the value {_fmt(value)}")
        elif pair:
            _pair_bounds(c, m, key, path, pair, stat, unit)
    timepoint = c.get(m, "timepoint", path, "str", pattern=TIMEPOINT)
    if outcome and stat == "proportion" and timepoint is None and b.outcome_kind(outcome) == "tte":
        c.problem(m.line, _join(path, "timepoint"), "missing (a survival percentage needs a timepoint such as 5y)")
    arm = c.get(m, "arm", path, "str")
    vs = c.get(m, "vs", path, "str")
    for key, ref in (("arm", arm), ("vs", vs)):
        if ref and ref not in arms:
            c.problem(m.lines[key], _join(path, key), f"arm {ref!r} is not an arm of this study{_hint(ref, arms, c)}")
    mods = arms[arm].modalities if arm in arms else (modality,)
    technique = arms[arm].technique if arm in arms else None
    extras = honest.finding_extras(c, m, path)
    if extras["factor"]:
        b.refs.append(("factor", extras["factor"], c, m.lines["factor"], _join(path, "factor")))
    o = b.outcomes.get(outcome or "")
    honest.check_finding(
        c,
        m,
        path,
        stat=stat,
        outcome_dims=o.dimensions if o else (),
        outcome_kind=o.kind if o else None,
        n=n,
        study_n=study_n,
        has_arm=arm is not None,
        subgroup=extras["subgroup"],
        uoa=uoa,
    )
    return Finding(
        outcome=outcome or "",
        stat=stat or "",
        study=study,
        modalities=mods,
        technique=technique,
        value=value,
        unit=unit,
        qualifier=c.get(m, "qualifier", path, "str", choices=QUALIFIERS),
        arm=arm,
        vs=vs,
        timepoint=timepoint,
        n=n,
        n_unstated="n" in m and m["n"] is None,
        n_qualifier=c.get(m, "n_qualifier", path, "str", choices=QUALIFIERS),
        events=events,
        derived=bool(c.get(m, "derived", path, "bool")),
        ci=ranges["ci"],
        ci_level=_ci_level(c, m, path),
        range=ranges["range"],
        iqr=ranges["iqr"],
        spread=c.get(m, "spread", path, "num", low=0),
        spread_kind=c.get(m, "spread_kind", path, "str", choices=SPREAD_KINDS),
        p=p,
        p_qualifier=c.get(m, "p_qualifier", path, "str", choices=QUALIFIERS),
        method=c.get(m, "method", path, "str", choices=METHODS),
        criteria=c.get(m, "criteria", path, "str"),
        unit_of_analysis=uoa,
        definition=c.get(m, "definition", path, "str"),
        source_loc=c.get(m, "source_loc", path, "str"),
        note=c.get(m, "note", path, "str"),
        loc=c.loc(m),
        **extras,
    )
