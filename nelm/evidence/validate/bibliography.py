"""`kind: bibliography`: the sources every figure cites."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nelm.evidence import honest
from nelm.evidence.model import (
    Source,
)
from nelm.evidence.validate.checker import Checker, _items, _join, _past_date
from nelm.evidence.validate.vocabulary import DOI, ID, PMCID, PMID, READ, SOURCE_TYPES, URL
from nelm.evidence.yamlsafe import Map

if TYPE_CHECKING:
    from nelm.evidence.validate.state import State


def read_bibliography(b: State, c: Checker, root: Map) -> None:
    c.known(root, "", ("schema", "kind", "sources"))
    fields = (
        "id",
        "type",
        "authors",
        "et_al",
        "title",
        "journal",
        "publisher",
        "year",
        "volume",
        "issue",
        "pages",
        "pmid",
        "doi",
        "pmcid",
        "url",
        "seed",
        "read",
        "short",
        "corporate_author",
        "read_url",
        "accessed",
        "note",
    )
    for m, path in _items(c, root, "sources", ""):
        c.known(m, path, fields)
        sid = c.get(m, "id", path, "str", required=True, pattern=ID)
        if sid is None or not b.unique(c, m, path, sid, b.sources, "source"):
            continue
        stype = c.get(m, "type", path, "str", required=True, choices=SOURCE_TYPES)
        if stype in honest.LEGACY_SOURCE_TYPES:
            c.problem(
                m.lines.get("type"),
                _join(path, "type"),
                f"{stype!r} is a nelm/1 kind: say what the source is (e.g. narrative-review, patient-information,"
                " institutional-page, news, payer-policy, congress-abstract)",
            )
        src = Source(
            id=sid,
            type=stype or "original",
            title=c.get(m, "title", path, "str", required=True) or "",
            year=c.get(m, "year", path, "int", low=1900, high=b.this_year),
            authors=c.get(m, "authors", path, "strs") or (),
            et_al=bool(c.get(m, "et_al", path, "bool")),
            journal=c.get(m, "journal", path, "str"),
            publisher=c.get(m, "publisher", path, "str"),
            volume=c.get(m, "volume", path, "str"),
            issue=c.get(m, "issue", path, "str"),
            pages=c.get(m, "pages", path, "str"),
            pmid=c.get(m, "pmid", path, "str", pattern=PMID),
            doi=c.get(m, "doi", path, "str", pattern=DOI),
            pmcid=c.get(m, "pmcid", path, "str", pattern=PMCID),
            url=c.get(m, "url", path, "str", pattern=URL),
            seed=c.get(m, "seed", path, "str"),
            read=c.get(m, "read", path, "str", choices=READ),
            short=c.get(m, "short", path, "str"),
            corporate_author=c.get(m, "corporate_author", path, "str"),
            read_url=c.get(m, "read_url", path, "str", pattern=URL),
            note=c.get(m, "note", path, "str"),
            loc=c.loc(m),
        )
        _past_date(c, m, "accessed", path)
        if src.read and not (src.url or src.seed):
            c.problem(m.line, path, f"source {sid!r} was read but has no url (give the address of the text read)")
        b.sources[sid] = src
