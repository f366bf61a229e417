"""Reading the selection criteria of a modality file (`criteria:`) and the `when:` of a patient
factor: a field of the match profile, one documented comparison, a threshold. Problems are
reported with file, line and field like every other evidence problem; nothing is evaluated here.
"""

from __future__ import annotations

from typing import Any

from nelm.evidence.model import Criterion
from nelm.evidence.patient import ALL_OPS, BY_NAME, OPS, Condition
from nelm.evidence.validate.checker import Checker, _items, _join
from nelm.evidence.validate.vocabulary import ID
from nelm.evidence.yamlsafe import Map

VERDICTS = ("candidate", "caution", "not-suitable")  # what a criterion can conclude
# A rule rests on a guideline or consensus position or on a study (an original study, a systematic
# review or meta-analysis, or a trial's eligibility criteria as published in its protocol).
RULE_SOURCE_KINDS = ("guideline", "consensus", "original", "systematic-review", "meta-analysis", "trial-protocol")
CONDITION_KEYS = ("field", "op", "value")
CRITERION_KEYS = ("id", *CONDITION_KEYS, "verdict", "reason", "grade", "sources")


def condition(c: Checker, m: Map, path: str) -> Condition | None:
    """The comparison a mapping describes, checked against the profile's fields and their kinds."""
    name = c.get(m, "field", path, "str", required=True)
    op = c.get(m, "op", path, "str", required=True, choices=ALL_OPS)
    if name is None or op is None:
        return None
    f = BY_NAME.get(name)
    if f is None:
        c.problem(m.lines.get("field"), _join(path, "field"), f"unknown profile field {name!r} (see nelm match --help)")
        return None
    if op not in OPS[f.kind]:
        c.problem(
            m.lines.get("op"),
            _join(path, "op"),
            f"{op!r} does not apply to {name} ({f.kind}; expected one of: {', '.join(OPS[f.kind])})",
        )
        return None
    where = _join(path, "value")
    if op in ("present", "absent"):
        if "value" in m:
            c.problem(m.lines.get("value", m.line), where, f"'{op}' takes no value")
            return None
        return Condition(name, op)
    if m.get("value") is None:
        c.problem(m.line, where, f"missing (expected {f.accepted()})")
        return None
    value: Any
    if f.kind in ("number", "integer"):
        value = c.get(m, "value", path, "num", low=f.low, high=f.high)
    elif op == "in":
        value = c.get(m, "value", path, "strs", choices=f.choices)
    else:
        value = c.get(m, "value", path, "str", choices=f.choices)
    return None if value is None else Condition(name, op, value)  # c.get reported what was wrong


def criteria(c: Checker, root: Map, seen: dict[str, Any]) -> tuple[list[Criterion], list[tuple[str, int, str]]]:
    """A modality file's criteria, and (source id, line, path) of every source they cite."""
    out: list[Criterion] = []
    refs: list[tuple[str, int, str]] = []
    for m, path in _items(c, root, "criteria", ""):
        c.known(m, path, CRITERION_KEYS)
        cid = c.get(m, "id", path, "str", required=True, pattern=ID)
        when = condition(c, m, path)
        verdict = c.get(m, "verdict", path, "str", required=True, choices=VERDICTS)
        reason = c.get(m, "reason", path, "str", required=True)
        sources = c.get(m, "sources", path, "strs", required=True) or ()
        for sid in sources:
            refs.append((sid, m.lines.get("sources", m.line), _join(path, "sources")))
        if cid and cid in seen:
            c.problem(m.lines.get("id"), _join(path, "id"), f"criterion {cid!r} is defined twice (also at {seen[cid]})")
            continue
        if cid and when and verdict and reason and sources:
            rule = Criterion(cid, when, verdict, reason, sources, c.get(m, "grade", path, "str"), c.loc(m))
            seen[cid] = rule.loc
            out.append(rule)
    return out, refs
