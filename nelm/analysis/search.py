"""Full-text search over studies, items, profiles and references, with synonyms."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from nelm.analysis.figures import (
    source_label,
)
from nelm.evidence.model import Comparison, Evidence, Finding, Study
from nelm.evidence.validate.synonyms import fold, term_key

_SEP = r"[^\w.;:!?]+"  # between the words of a phrase: spaces, hyphens, slashes, brackets (not a full stop)
SNIPPET = 90  # characters of a table's text cell around the first match


@dataclass(frozen=True)
class _Record:
    """What a search hit can be: a study (with its findings and comparisons), an item or a profile."""

    modality: str | None
    study: str  # the study id, or the item kind (indication, statement, profile, reference)
    citation: str
    sources: tuple[str, ...]
    fields: tuple[tuple[str, str, Any], ...]  # (field, text, location)


def search(ev: Evidence, text: str, author: str | None = None) -> list[dict[str, Any]]:
    """Records holding every word of `text` (or a synonym, as whole words, in any order and any of
    their fields), citing a source by `author` when given; in evidence order."""
    concepts = _concepts(ev, text)
    name = term_key(author) if author else ""
    hits = []
    for rec in _records(ev):
        if name and not any(_by(ev, sid, name) for sid in rec.sources):
            continue
        hit = _match(rec, concepts)
        if hit is not None:
            hits.append(hit)
    return hits


def _concepts(ev: Evidence, text: str) -> list[re.Pattern[str]]:
    """One pattern per word of the query; a run of words that is a synonym term counts as one."""
    groups = _synonym_table(ev)
    index = {term_key(t): i for i, g in enumerate(ev.synonyms) for t in g.terms}
    words = term_key(text).split()
    longest = max((k.count(" ") + 1 for k in index), default=1)
    out: dict[str, re.Pattern[str]] = {}
    i = 0
    while i < len(words):
        for j in range(min(len(words), i + longest), i, -1):
            key = " ".join(words[i:j])
            if key in index or j == i + 1:
                break
        alternatives = groups[index[key]] if key in index else {key}
        out.setdefault(key, _pattern(alternatives))
        i = j
    return list(out.values())


def _synonym_table(ev: Evidence) -> list[set[str]]:
    """For each synonym group, the phrases a search for one of its terms finds: its own terms,
    what they imply (and what that implies), and the terms of every group implying them, but never
    a sibling (hepaticojejunostomy does not find choledochojejunostomy)."""
    keys = [[term_key(t) for t in g.terms] for g in ev.synonyms]
    index = {k: i for i, ks in enumerate(keys) for k in ks}
    up: list[set[int]] = [set() for _ in keys]
    down: list[set[int]] = [set() for _ in keys]
    loose: list[set[str]] = [set() for _ in keys]  # implied phrases that are no group's term
    for i, g in enumerate(ev.synonyms):
        for phrase in map(term_key, g.implies):
            if phrase in index:
                up[i].add(index[phrase])
                down[index[phrase]].add(i)
            else:
                loose[i].add(phrase)

    def closure(start: int, edges: list[set[int]]) -> set[int]:
        seen, todo = {start}, [start]
        while todo:
            for nxt in edges[todo.pop()] - seen:
                seen.add(nxt)
                todo.append(nxt)
        return seen

    table = []
    for i in range(len(keys)):
        ups, downs = closure(i, up), closure(i, down)
        table.append({k for g in ups | downs for k in keys[g]} | {p for g in ups for p in loose[g]})
    return table


def _forms(word: str) -> list[str]:
    """A word and its plural or singular in -s, -es, -is/-es (abscess/abscesses, metastasis/-ses)."""
    if len(word) < 3 or not word.isalpha():
        return [word]
    forms = [word, word + "s", word + "es"]
    if word.endswith("is"):
        forms.append(word[:-2] + "es")
    elif word.endswith("es") and len(word) > 4:
        forms += [word[:-2] + "is", word[:-2], word[:-1]]
    elif word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        forms.append(word[:-1])
    return forms


def _pattern(phrases: Iterable[str]) -> re.Pattern[str]:
    """Any of the phrases (term keys) as whole words in folded text."""
    alts = []
    for phrase in sorted(phrases, key=len, reverse=True):
        *head, last = phrase.split(" ")
        tail = "(?:" + "|".join(map(re.escape, _forms(last))) + ")"
        alts.append("".join(re.escape(w) + _SEP for w in head) + tail)
    return re.compile(r"(?<!\w)(?:" + "|".join(alts) + r")(?!\w)")


def _fold(text: str) -> tuple[str, list[int] | None]:
    """Lower case without accents, and for non-ASCII text where each folded character came from."""
    if text.isascii():
        return text.lower(), None
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        f = fold(ch)
        out.append(f)
        origin += [i] * len(f)
    return "".join(out), origin


def _match(rec: _Record, concepts: list[re.Pattern[str]]) -> dict[str, Any] | None:
    """The hit for a record holding every concept, shown at the field that holds the most."""
    found: list[tuple[int, str, str, Any, list[tuple[int, int]]]] = []
    todo = set(range(len(concepts)))
    for name, value, loc in rec.fields:
        folded, origin = _fold(value)
        spans = []
        for i, pattern in enumerate(concepts):
            m = pattern.search(folded)
            if m:
                todo.discard(i)
                start, end = (origin[m.start()], origin[m.end() - 1] + 1) if origin else m.span()
                spans.append((start, end))
        if spans or not concepts:
            found.append((len(spans), name, value, loc, sorted(spans)))
    if todo or not found:
        return None
    _, name, value, loc, spans = max(found, key=lambda f: f[0])  # the first of the best
    return {
        "modality": rec.modality,
        "study": rec.study,
        "field": name,
        "text": value,
        "snippet": _snippet(value, spans[0] if spans else (0, 0)),
        "matched": sorted({text[a:b] for _, _, text, _, ss in found for a, b in ss}),
        "citation": rec.citation,
        "location": str(loc) if loc else None,
    }


def _snippet(text: str, span: tuple[int, int]) -> str:
    """About SNIPPET characters of `text` around `span`, cut at spaces, on one line."""
    if len(text) <= SNIPPET:
        return " ".join(text.split())
    start = max(0, min(span[0] - SNIPPET // 3, len(text) - SNIPPET))
    end = start + SNIPPET
    if start:
        space = text.find(" ", start, span[0])
        start = space + 1 if space >= 0 else start
    if end < len(text):
        space = text.rfind(" ", span[1], end)
        end = space if space >= 0 else end
    return ("..." if start else "") + " ".join(text[start:end].split()) + ("..." if end < len(text) else "")


def _by(ev: Evidence, sid: str, name: str) -> bool:
    """True when `name` (a term key) is the surname of one of the source's authors, or its corporate
    author or short name. 'treut' and 'le treut' both find 'Le Treut YP'."""
    src = ev.sources.get(sid)
    if src is None:
        return False
    for author in src.authors:
        words = author.split()
        if len(words) > 1 and re.fullmatch(r"[A-Z][A-Z-]{0,4}", words[-1]):
            words = words[:-1]  # the initials
        surname = term_key(" ".join(words)).split()
        if surname[-len(name.split()) :] == name.split():
            return True
    return name in (term_key(src.corporate_author or ""), term_key(src.short or ""))


def _records(ev: Evidence) -> Iterator[_Record]:
    """Every searchable record, in evidence order."""
    from nelm.analysis.figures import citation

    for m in ev.modalities.values():
        profile = {"name": m.name, "aliases": ", ".join(m.aliases), "summary": m.summary, "description": m.description}
        yield _Record(m.id, "profile", "", (), tuple((f, v, m.loc) for f, v in profile.items() if v))
        for kind, items in (
            ("indication", m.indications),
            ("contraindication", m.contraindications),
            ("statement", m.statements),
        ):
            for i in items:
                cite = "; ".join(source_label(ev.sources[s]) if s in ev.sources else s for s in i.sources)
                yield _Record(m.id, kind, cite, i.sources, (("text", i.text, i.loc),))
        for s in m.studies:
            yield _Record(m.id, s.id, citation(ev, s), (s.source, *([s.via] if s.via else [])), _study_fields(ev, s))
    for src in ev.sources.values():
        ref = {"title": src.title, "authors": ", ".join(src.authors), "note": src.note}
        yield _Record(
            None, "reference", source_label(src), (src.id,), tuple((f, v, src.loc) for f, v in ref.items() if v)
        )


def _study_fields(ev: Evidence, s: Study) -> tuple[tuple[str, str, Any], ...]:
    """A study's text, then its findings' and comparisons' text, each with where it was read."""
    mix = ", ".join(f"{k} {v}" for k, v in s.tumor_mix)
    own = [("population", s.population), ("tumor_types", ", ".join(s.tumor_types)), ("tumor_mix", mix)]
    own += [("note", s.note), ("loe_note", s.loe_note)] + [("arm", a.label) for a in s.arms]
    out = [(f, v, s.loc) for f, v in own if v]
    parts: list[Finding | Comparison] = [*s.findings, *s.comparisons]
    for fc in parts:
        o = ev.outcomes.get(fc.outcome)
        names = ("subgroup", "definition", "criteria", "note") if isinstance(fc, Finding) else _COMPARISON_TEXT
        texts = [("outcome", o.label if o else fc.outcome)] + [(n, getattr(fc, n)) for n in names]
        out += [(f"{fc.outcome}: {n}", v, fc.loc) for n, v in texts if v]
    return tuple(out)


_COMPARISON_TEXT = ("subgroup", "exposure", "reference", "direction", "definition", "note")
