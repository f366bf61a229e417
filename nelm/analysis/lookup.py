"""Finding things in the evidence by name: modalities, outcomes, techniques, and the findings of each."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from nelm.analysis import combine
from nelm.errors import UsageError
from nelm.evidence.model import Comparison, Evidence, Finding, Modality, Study


def suggest(word: str, choices: Iterable[str]) -> str:
    """A did-you-mean hint; bounded work however many choices there are."""
    from nelm.errors import closest

    close = closest(word.lower(), choices, cutoff=0.5)
    return f"did you mean '{close}'?" if close else ""


def modality_names(ev: Evidence) -> dict[str, str]:
    """Every accepted name (id and aliases, lower case) mapped to its modality id."""
    names: dict[str, str] = {}
    for m in ev.treatments:
        for name in (m.id, *m.aliases):
            names[name.lower()] = m.id
    return names


def resolve(ev: Evidence, name: str) -> Modality:
    """A modality by id or alias, any case; UsageError with a suggestion otherwise."""
    key = name.strip().lower()
    names = modality_names(ev)
    if key in names:
        return ev.modalities[names[key]]
    hint = suggest(key, names) or f"known: {', '.join(sorted(m.id for m in ev.treatments))}"
    raise UsageError(f"unknown modality '{name}'", hint)


def resolve_all(ev: Evidence, names: list[str] | None) -> list[Modality]:
    """The modalities named, each once, in the order first named (aliases count as their modality)."""
    mods: list[Modality] = []
    for name in names or ():
        m = resolve(ev, name)
        if m not in mods:
            mods.append(m)
    return mods


def short_name(m: Modality) -> str:
    """'TACE' for 'Transarterial chemoembolization (TACE)', 'Y-90' for 'Radioembolization (Y-90, SIRT)'."""
    m_ = re.search(r"\(([^),]+)", m.name)
    return m_.group(1).strip() if m_ else m.name


def resolve_outcome(ev: Evidence, name: str) -> str:
    key = name.strip().lower()
    if key in ev.outcomes:
        return key
    by_label = {o.label.lower(): o.id for o in ev.outcomes.values()}
    if key in by_label:
        return by_label[key]
    raise UsageError(f"unknown outcome '{name}'", suggest(key, ev.outcomes) or "see 'nelm outcomes'")


def resolve_technique(ev: Evidence, name: str) -> str:
    key = name.strip().lower()
    known = ev.techniques()
    if key in known:
        return key
    by_label = {t.label.lower(): t.id for t in known.values()}
    if key in by_label:
        return by_label[key]
    raise UsageError(
        f"unknown technique '{name}'", suggest(key, list(known)) or f"choose from: {', '.join(sorted(known))}"
    )


def findings(ev: Evidence, modality: str | None = None) -> Iterator[tuple[Study, Finding]]:
    """All findings (of one modality when given), in file order."""
    for m in ev.modalities.values():
        for s in m.studies:
            for f in s.findings:
                if modality is None or modality in f.modalities:
                    yield s, f


def comparisons(ev: Evidence, modality: str | None = None) -> Iterator[tuple[Study, Comparison]]:
    """Head-to-head results, each visible from every modality it compares."""
    for m in ev.modalities.values():
        for s in m.studies:
            for c in s.comparisons:
                if modality is None or modality in c.modalities:
                    yield s, c


def studies_of(ev: Evidence, modality: str) -> list[Study]:
    seen: dict[str, Study] = {}
    for s, _ in findings(ev, modality):
        seen.setdefault(s.id, s)
    for s, _ in comparisons(ev, modality):
        seen.setdefault(s.id, s)
    return list(seen.values())


def patients(studies: list[Study], modality: str) -> tuple[int, bool]:
    """NET patients treated with `modality`, each cohort once, reviews and indirect evidence left
    out; True if some are unknown."""
    return combine.patients(studies, modality)
