"""`kind: modality` and `kind: topic`: a treatment's or topic's file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nelm.evidence import criteria
from nelm.evidence.model import (
    Item,
    Modality,
    Technique,
)
from nelm.evidence.validate.checker import Checker, _items, _join, _past_date
from nelm.evidence.validate.study import read_study
from nelm.evidence.validate.vocabulary import CATEGORIES, CONTRA_KINDS, ID, TOPICS
from nelm.evidence.yamlsafe import Map, Seq

if TYPE_CHECKING:
    from nelm.evidence.validate.state import State


def read_modality(b: State, c: Checker, root: Map, kind: str, stem: str) -> None:
    c.known(
        root,
        "",
        (
            "schema",
            "kind",
            "id",
            "name",
            "aliases",
            "category",
            "reviewed",
            "searched",
            "summary",
            "description",
            "indications",
            "contraindications",
            "statements",
            "techniques",
            "criteria",
            "studies",
        ),
    )
    mid = c.get(root, "id", "", "str", required=True, pattern=ID)
    if mid is None:
        return
    if mid != stem:
        c.problem(root.lines.get("id"), "id", f"{mid!r} does not match the file name (expected {stem!r})")
    if mid in b.modalities:
        c.problem(root.lines.get("id"), "id", f"modality {mid!r} is defined twice (also at {b.modalities[mid].loc})")
        return
    reviewed = _past_date(c, root, "reviewed", "", required=kind == "modality")
    searched = _past_date(c, root, "searched", "")
    techniques = []
    for m, path in _items(c, root, "techniques", ""):
        c.known(m, path, ("id", "label"))
        tid = c.get(m, "id", path, "str", required=True, pattern=ID)
        if tid and b.unique(c, m, path, tid, b.techniques, "technique"):
            label = c.get(m, "label", path, "str", required=True) or tid
            t = Technique(id=tid, label=label, modality=mid, loc=c.loc(m))
            b.techniques[tid] = t
            techniques.append(t)
    studies = []
    for m, path in _items(c, root, "studies", ""):
        study = read_study(b, c, m, path, mid)
        if study is not None:
            studies.append(study)
    rules, rule_refs = criteria.criteria(c, root, b.criterion_ids)
    for sid, line, path in rule_refs:
        b.refs.append(("source", sid, c, line, path))
        b.rule_source_checks.append((sid, c, line, path))
    b.modalities[mid] = Modality(
        id=mid,
        kind=kind,
        name=c.get(root, "name", "", "str", required=True) or mid,
        summary=c.get(root, "summary", "", "str", required=True) or "",
        description=c.get(root, "description", "", "str") or "",
        aliases=c.get(root, "aliases", "", "strs") or (),
        category=c.get(root, "category", "", "str", required=kind == "modality", choices=CATEGORIES),
        reviewed=reviewed,
        searched=searched,
        indications=_list_items(b, c, root, "indications", ()),
        contraindications=_list_items(b, c, root, "contraindications", ("kind",)),
        statements=_list_items(b, c, root, "statements", ("topic", "factors")),
        studies=tuple(studies),
        techniques=tuple(techniques),
        criteria=tuple(rules),
        loc=c.loc(root),
    )


def _list_items(b: State, c: Checker, root: Map, key: str, extra: tuple[str, ...]) -> tuple[Item, ...]:
    out = []
    for m, path in _items(c, root, key, ""):
        c.known(m, path, ("text", "sources", "cites", "grade", *extra))
        sources = c.get(m, "sources", path, "strs", required=True) or ()
        for sid in sources:
            b.refs.append(("source", sid, c, m.lines.get("sources", m.line), _join(path, "sources")))
        if sources and key in ("indications", "contraindications"):
            b.support_checks.append((sources, c, m.lines.get("sources", m.line), _join(path, "sources")))
        if "sources" in m and not sources and isinstance(m["sources"], Seq) and not m["sources"]:
            c.problem(m.line, _join(path, "sources"), "empty (every item needs at least one source)")
        out.append(
            Item(
                text=c.get(m, "text", path, "str", required=True) or "",
                sources=sources,
                cites=c.get(m, "cites", path, "str"),
                kind=c.get(m, "kind", path, "str", required=True, choices=CONTRA_KINDS) if "kind" in extra else None,
                topic=c.get(m, "topic", path, "str", required=True, choices=TOPICS) if "topic" in extra else None,
                grade=c.get(m, "grade", path, "str"),
                factors=_factor_refs(b, c, m, path) if "factors" in extra else (),
                loc=c.loc(m),
            )
        )
    return tuple(out)


def _factor_refs(b: State, c: Checker, m: Map, path: str) -> tuple[str, ...]:
    factors = c.get(m, "factors", path, "strs", pattern=ID) or ()
    for fid in factors:
        b.refs.append(("factor", fid, c, m.lines.get("factors", m.line), _join(path, "factors")))
    return factors
