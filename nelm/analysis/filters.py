"""The study filter of the browse commands (--tumor, --design, --min-n, --since, ...)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from nelm.analysis.figures import (
    comparison_text,
    figure_text,
)
from nelm.analysis.lookup import findings, suggest
from nelm.errors import UsageError
from nelm.evidence.model import Comparison, Evidence, Finding, Study
from nelm.evidence.validate.vocabulary import DESIGNS, TUMOR_TYPES

DESIGN_GROUPS = {
    "randomized": ("rct",),
    "prospective": ("rct", "prospective-cohort", "single-arm-trial"),
    "retrospective": ("retrospective-cohort", "case-series", "registry", "case-control"),
    "review": ("systematic-review", "meta-analysis", "narrative-review", "pooled-trials"),
}
TUMOR_GROUPS = {
    "carcinoid": ("carcinoid", "small-bowel"),
    "small-bowel": ("carcinoid", "small-bowel"),
    "midgut": ("carcinoid", "small-bowel"),
    "islet-cell": ("pancreatic",),
    "pnet": ("pancreatic",),
}


@dataclass(frozen=True)
class StudyFilter:
    modalities: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    tumors: tuple[str, ...] = ()
    designs: tuple[str, ...] = ()
    min_n: int | None = None
    since: int | None = None
    until: int | None = None
    text: str | None = None
    techniques: tuple[str, ...] = ()
    net_only: bool = False


def _expand(name: str, what: str, groups: dict[str, tuple[str, ...]], choices: tuple[str, ...]) -> tuple[str, ...]:
    """A vocabulary term or group name as the set of terms it stands for; UsageError otherwise."""
    key = name.strip().lower()
    if key in groups:
        return groups[key]
    if key in choices:
        return (key,)
    raise UsageError(
        f"unknown {what} '{name}'", suggest(key, [*choices, *groups]) or f"known: {', '.join([*groups, *choices])}"
    )


def tumor_set(name: str) -> tuple[str, ...]:
    return _expand(name, "tumour type", TUMOR_GROUPS, TUMOR_TYPES)


def design_set(name: str) -> tuple[str, ...]:
    return _expand(name, "design", DESIGN_GROUPS, DESIGNS)


def _matches_tumor(s: Study, wanted: set[str]) -> bool:
    """A study of the wanted tumour types, or a mixed population that may include them (kept, with
    the matching share shown: see tumor_share)."""
    types = set(s.tumor_types)
    if types & wanted or any(_mix_key_matches(k, wanted) for k, _ in s.tumor_mix):
        return True
    return bool(types & {"mixed", "gep-net"}) or len(types) > 1


def _mix_key_matches(key: str, wanted: set[str]) -> bool:
    return key in wanted or any(w in key.split("-") or key.startswith(w) for w in wanted)


def tumor_share(s: Study, wanted: set[str]) -> str | None:
    """'mixed: 63% small-bowel' for a mixed population, from its tumour mix when printed."""
    types = set(s.tumor_types)
    if types and types <= wanted and not s.tumor_mix:
        return None
    if s.tumor_mix:
        total = s.n or sum(c for _, c in s.tumor_mix)
        hit = sum(c for k, c in s.tumor_mix if _mix_key_matches(k, wanted))
        if total and hit != total:
            names = "/".join(sorted(k for k, _ in s.tumor_mix if _mix_key_matches(k, wanted))) or "/".join(
                sorted(wanted)
            )
            return f"mixed: {round(100 * hit / total)}% {names}"
        return None
    return "mixed population (share not stated)" if types & {"mixed", "gep-net"} or len(types) > 1 else None


def _haystack(ev: Evidence, s: Study, f: Finding | Comparison) -> str:
    src = ev.sources.get(s.source)
    parts = [
        s.population,
        s.note,
        s.loe_note,
        f.definition,
        f.note,
        f.criteria if isinstance(f, Finding) else f.direction,
        src.title if src else None,
        " ".join(src.authors) if src else None,
        figure_text(ev, s, f) if isinstance(f, Finding) else comparison_text(ev, s, f),
    ]
    return " ".join(p for p in parts if p).lower()


def _passes(ev: Evidence, flt: StudyFilter, s: Study, f: Finding | Comparison) -> bool:
    if not f.modalities:
        return False
    if flt.modalities and not set(flt.modalities) & set(f.modalities):
        return False
    if flt.outcomes and f.outcome not in flt.outcomes:
        return False
    tumors = {t for name in flt.tumors for t in tumor_set(name)}
    if tumors and not _matches_tumor(s, tumors):
        return False
    designs = {d for name in flt.designs for d in design_set(name)}
    if designs and s.design not in designs:
        return False
    size = f.n if f.n is not None else s.n
    if flt.min_n is not None and (size is None or size < flt.min_n):
        return False
    year = ev.sources[s.source].year if s.source in ev.sources else None
    if flt.since is not None and (year is None or year < flt.since):
        return False
    if flt.until is not None and (year is None or year > flt.until):
        return False
    if flt.text and flt.text.lower() not in _haystack(ev, s, f):
        return False
    technique = f.technique if isinstance(f, Finding) else None
    if flt.techniques and technique not in flt.techniques:
        return False
    return not (flt.net_only and s.indirect)


def keep(ev: Evidence, flt: StudyFilter | None, pairs: Iterable[tuple[Study, Any]]) -> list[tuple[Study, Any]]:
    """The pairs (findings or comparisons) that pass an optional filter."""
    return list(pairs) if flt is None else [(s, f) for s, f in pairs if _passes(ev, flt, s, f)]


def filtered_findings(ev: Evidence, flt: StudyFilter) -> list[tuple[Study, Finding]]:
    """The findings that pass a filter, in file order."""
    return [(s, f) for s, f in findings(ev) if _passes(ev, flt, s, f)]
