"""`kind: outcomes`: the outcome and prognostic-factor vocabulary."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nelm.evidence import criteria, honest
from nelm.evidence.model import (
    Factor,
    Outcome,
)
from nelm.evidence.validate.checker import _MISSING, Checker, _describe, _items, _join
from nelm.evidence.validate.vocabulary import ID, OUTCOME_CATEGORIES, OUTCOME_KINDS
from nelm.evidence.yamlsafe import Map

if TYPE_CHECKING:
    from nelm.evidence.validate.state import State


def read_outcomes(b: State, c: Checker, root: Map) -> None:
    c.known(root, "", ("schema", "kind", "outcomes", "factors"))
    for m, path in _items(c, root, "factors", ""):
        c.known(m, path, ("id", "label", "description", "when"))
        fid = c.get(m, "id", path, "str", required=True, pattern=ID)
        when = m.get("when")
        when_map = c.mapping(when, m.lines.get("when"), _join(path, "when")) if when is not None else None
        if fid and b.unique(c, m, path, fid, b.factors, "factor"):
            b.factors[fid] = Factor(
                id=fid,
                label=c.get(m, "label", path, "str", required=True) or fid,
                description=c.get(m, "description", path, "str") or "",
                when=criteria.condition(c, when_map, _join(path, "when")) if when_map is not None else None,
                loc=c.loc(m),
            )
    for m, path in _items(c, root, "outcomes", ""):
        c.known(
            m,
            path,
            ("id", "label", "kind", "unit", "higher_is_better", "category", "description", "dimensions", "core"),
        )
        oid = c.get(m, "id", path, "str", required=True, pattern=ID)
        if oid is None or not b.unique(c, m, path, oid, b.outcomes, "outcome"):
            continue
        hib = m.get("higher_is_better", _MISSING)
        if hib is _MISSING or not (hib is None or isinstance(hib, bool)):
            c.problem(
                m.lines.get("higher_is_better", m.line),
                _join(path, "higher_is_better"),
                "expected true, false or null" + ("" if hib is _MISSING else f", got {_describe(hib)}"),
            )
            hib = None
        b.outcomes[oid] = Outcome(
            id=oid,
            label=c.get(m, "label", path, "str", required=True) or oid,
            kind=c.get(m, "kind", path, "str", required=True, choices=OUTCOME_KINDS) or "binary",
            unit=c.get(m, "unit", path, "str", required=True) or "",
            higher_is_better=hib,
            category=c.get(m, "category", path, "str", required=True, choices=OUTCOME_CATEGORIES) or "efficacy",
            description=c.get(m, "description", path, "str") or "",
            dimensions=c.get(m, "dimensions", path, "strs", choices=honest.DIMENSIONS) or (),
            core=bool(c.get(m, "core", path, "bool")),
            loc=c.loc(m),
        )
