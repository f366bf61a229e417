"""`kind: synonyms`: the search vocabulary, and how search folds terms."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from nelm.evidence.model import (
    Loc,
    SynonymGroup,
)
from nelm.evidence.validate.checker import _QUOTE, Checker, _describe, _items, _join, _reported
from nelm.evidence.yamlsafe import Map, Seq

if TYPE_CHECKING:
    pass


def fold(text: str) -> str:
    """Lower case without accents: what search compares."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)).casefold()


def term_key(text: str) -> str:
    """A term as search compares it: case, accents, hyphens and spacing do not count."""
    return " ".join(re.findall(r"\w+", fold(text)))


def synonym_groups(c: Checker, root: Map, seen: dict[str, Loc]) -> list[SynonymGroup]:
    """The groups of a `kind: synonyms` file. A term may be listed once across all groups (`seen`);
    `implies` may name any phrase, but not a term of its own group."""
    c.known(root, "", ("schema", "kind", "groups"))
    if root.get("groups") is None:
        c.problem(root.lines.get("groups", root.line), "groups", "missing (expected a list of synonym groups)")
        return []
    groups = []
    for m, path in _items(c, root, "groups", ""):
        c.known(m, path, ("terms", "implies", "note"))
        terms = _terms(c, m, "terms", path, seen)
        own = {term_key(t) for t in terms}
        implied: dict[str, Loc] = {}
        for text in _terms(c, m, "implies", path, implied, required=False):
            if term_key(text) in own:
                where = _join(path, "implies")
                c.problem(m.lines["implies"], where, f"{text!r} is a term of this group (a group implies other terms)")
        if terms:
            groups.append(
                SynonymGroup(
                    terms=terms,
                    implies=tuple(implied),
                    note=c.get(m, "note", path, "str"),
                    loc=c.loc(m),
                )
            )
    return groups


def _terms(c: Checker, m: Map, key: str, path: str, seen: dict[str, Loc], *, required: bool = True) -> tuple[str, ...]:
    """The terms of a list field, each new to `seen` (which gains them)."""
    where = _join(path, key)
    value = m.get(key)
    if value is None:
        if required:
            c.problem(m.lines.get(key, m.line), where, "missing (expected a list of terms)")
        return ()
    if not isinstance(value, Seq):
        if not _reported(value):
            c.problem(m.lines[key], where, f"expected a list of terms, got {_describe(value)}")
        return ()
    if not value and required:
        c.problem(m.lines[key], where, "empty list (expected at least one term)")
    out = []
    for i, item in enumerate(value):
        line, at = value.lines[i], f"{where}[{i}]"
        if _reported(item):
            continue
        if isinstance(item, float):
            c.problem(line, at, _QUOTE.format(item))
        elif isinstance(item, bool) or not isinstance(item, (str, int)):
            c.problem(line, at, f"expected a term (text), got {_describe(item)}")
        elif not term_key(str(item)):
            c.problem(line, at, "empty term (a term needs letters or digits)")
        elif term_key(str(item)) in seen:
            c.problem(line, at, f"term {str(item).strip()!r} is listed twice (also at {seen[term_key(str(item))]})")
        else:
            seen[term_key(str(item))] = Loc(c.file, line)
            out.append(str(item).strip())
    return tuple(out)
