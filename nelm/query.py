"""Pure queries over the evidence model: no printing, no I/O."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from nelm import combine, synthesis
from nelm.errors import UsageError
from nelm.evidence.model import Comparison, Evidence, Finding, Item, Modality, Study
from nelm.evidence.validate.synonyms import fold, term_key
from nelm.evidence.validate.vocabulary import DESIGNS, TUMOR_TYPES
from nelm.figures import (
    comparison_record,
    comparison_text,
    figure_record,
    figure_text,
    measure_prefix,
    reference,
    source_label,
    vancouver,
)

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
_STAT_ORDER = {
    "proportion": 0,
    "median": 1,
    "mean": 2,
    "hazard-ratio": 3,
    "odds-ratio": 4,
    "relative-risk": 5,
    "count": 6,
    "comparison": 7,
}
_TP_DAYS = {"y": 365.0, "mo": 30.4, "wk": 7.0, "d": 1.0, "h": 1 / 24}


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


# -- list ------------------------------------------------------------------------------------
def list_rows(ev: Evidence) -> list[dict[str, Any]]:
    rows = []
    for m in ev.treatments:
        studies = studies_of(ev, m.id)
        n, partial = patients(studies, m.id)
        rows.append(
            {
                "id": m.id,
                "name": m.name,
                "category": m.category,
                "studies": len(studies),
                "indirect_studies": sum(s.indirect for s in studies),
                "patients": n,
                "patients_incomplete": partial,
                "summary": m.summary,
                "aliases": list(m.aliases),
                "reviewed": m.reviewed,
                "searched": m.searched,
            }
        )
    return rows


# -- show ------------------------------------------------------------------------------------
def item_record(ev: Evidence, item: Item) -> dict[str, Any]:
    cites = [source_label(ev.sources[s]) if s in ev.sources else s for s in item.sources]
    return {
        "text": item.text,
        "kind": item.kind,
        "topic": item.topic,
        "grade": item.grade,
        "sources": list(item.sources),
        "citation": "; ".join(cites) + (f" {item.cites}" if item.cites else ""),
        "location": str(item.loc) if item.loc else None,
    }


def profile(ev: Evidence, m: Modality) -> dict[str, Any]:
    studies = studies_of(ev, m.id)
    n, partial = patients(studies, m.id)
    return {
        "id": m.id,
        "name": m.name,
        "category": m.category,
        "aliases": list(m.aliases),
        "reviewed": m.reviewed,
        "summary": m.summary,
        "description": m.description,
        "indications": [item_record(ev, i) for i in m.indications],
        "contraindications": [item_record(ev, i) for i in m.contraindications],
        "statements": [item_record(ev, i) for i in m.statements],
        "techniques": [{"id": t.id, "label": t.label} for t in m.techniques],
        "studies": len(studies),
        "indirect_studies": sum(s.indirect for s in studies),
        "patients": n,
        "patients_incomplete": partial,
        "findings": [figure_record(ev, s, f) for s, f in findings(ev, m.id)],
        "comparisons": [comparison_record(ev, s, c) for s, c in comparisons(ev, m.id)],
    }


def profile_rows(ev: Evidence, m: Modality) -> list[dict[str, Any]]:
    """The profile flattened to section/text/source rows for tabular formats."""
    rows = [{"section": "summary", "text": m.summary, "source": ""}]
    if m.description:
        rows.append({"section": "description", "text": m.description, "source": ""})
    if m.techniques:
        labels = "; ".join(f"{t.label} ({t.id})" for t in m.techniques)
        rows.append({"section": "techniques", "text": labels, "source": ""})
    for section, items in (
        ("indication", m.indications),
        ("contraindication", m.contraindications),
        ("statement", m.statements),
    ):
        for i in items:
            rec = item_record(ev, i)
            label = f"{section} ({i.kind or i.topic})" if (i.kind or i.topic) else section
            text = f"{i.text} (grade: {i.grade})" if i.grade else i.text
            rows.append({"section": label, "text": text, "source": rec["citation"]})
    for s, c in comparisons(ev, m.id):
        rows.append({"section": "head-to-head", "text": comparison_text(ev, s, c), "source": reference(ev, s)})
    for s, f in findings(ev, m.id):
        label = ev.outcomes[f.outcome].label if f.outcome in ev.outcomes else f.outcome
        rows.append(
            {
                "section": f"finding: {label}",
                "text": figure_text(ev, s, f, detail=True),
                "source": reference(ev, s),
            }
        )
    return rows


# -- compare ---------------------------------------------------------------------------------
def _group_key(f: Finding) -> tuple[Any, ...]:
    return (_STAT_ORDER.get(f.stat, 9), timepoint_days(f.timepoint), f.unit or "")


def timepoint_days(tp: str | None) -> float:
    if not tp:
        return 0.0
    m = re.match(r"([0-9.]+)([a-z]+)", tp)
    return float(m.group(1)) * _TP_DAYS.get(m.group(2), 1.0) if m else 0.0


def compare(
    ev: Evidence,
    mods: list[Modality],
    outcomes: list[str] | None = None,
    detail: bool = False,
    pooled: bool = True,
    *,
    all_outcomes: bool = False,
    indirect: bool = False,
    flt: StudyFilter | None = None,
) -> list[dict[str, Any]]:
    """The rows of `compare`: by default a summary of findings (nelm.sof); with detail=True every
    figure of every outcome present, grouped by measure (NET-specific unless `indirect`)."""
    from nelm import sof

    if not detail:
        return sof.summary_of_findings(
            ev, mods, outcomes=outcomes, all_outcomes=all_outcomes, indirect=indirect, pooled=pooled, flt=flt
        )
    per_mod = {m.id: [(s, f) for s, f in keep(ev, flt, findings(ev, m.id)) if indirect or not s.indirect] for m in mods}
    present = {f.outcome for pairs in per_mod.values() for _, f in pairs}
    order = [o for o in ev.outcomes if o in present and (outcomes is None or o in outcomes)]
    rows: list[dict[str, Any]] = []
    h2h: dict[str, Any] = {"row": "Head-to-head", "outcome": None}
    for m in mods:
        h2h[m.id] = [
            comparison_record(ev, s, c)
            for s, c in comparisons(ev, m.id)
            if (outcomes is None or c.outcome in outcomes) and (indirect or not s.indirect)
        ]
    if any(h2h[m.id] for m in mods):
        rows.append(h2h)
    for oid in order:
        row: dict[str, Any] = {"row": ev.outcomes[oid].label, "outcome": oid}
        for m in mods:
            pairs = sorted(((s, f) for s, f in per_mod[m.id] if f.outcome == oid), key=lambda sf: _group_key(sf[1]))
            row[m.id] = [dict(figure_record(ev, s, f), figure=figure_text(ev, s, f, detail=True)) for s, f in pairs]
        rows.append(row)
    if outcomes is None:
        base: dict[str, Any] = {"row": "Evidence base", "outcome": None}
        risks: dict[str, Any] = {"row": "Key risks", "outcome": None}
        for m in mods:
            base[m.id] = [evidence_base(ev, m)]
            risks[m.id] = sof.key_risks(ev, m, per_mod[m.id])
        rows.extend([base, risks])
    return rows


def evidence_base(ev: Evidence, m: Modality) -> dict[str, Any]:
    studies = studies_of(ev, m.id)
    n, partial = patients(studies, m.id)
    primary, syntheses = combine.cohorts(s for s in studies if not s.indirect)
    designs: dict[str, int] = {}
    for s in studies:
        designs[s.design] = designs.get(s.design, 0) + 1
    levels = [s.loe for s in studies if s.loe]
    indirect = sum(s.indirect for s in studies)
    text = f"{len(studies)} {'record' if len(studies) == 1 else 'records'}: {primary} NET cohorts"
    if syntheses:
        text += f", {syntheses} {'review' if syntheses == 1 else 'reviews'}"
    if indirect:
        text += f" ({indirect} indirect: not NET-specific)"
    text += f", {'>=' if partial else ''}{n} NET patients"
    if designs:
        text += "; " + ", ".join(f"{k} {d}" for d, k in sorted(designs.items(), key=lambda x: -x[1]))
    if levels:
        text += f"; best OCEBM level {min(levels)}"
    notes = [i.text for i in m.statements if i.topic == "evidence-base"]
    if notes:
        text += ". " + " ".join(notes)
    return {
        "figure": text,
        "studies": len(studies),
        "cohorts": primary,
        "syntheses": syntheses,
        "indirect_studies": indirect,
        "patients": n,
        "patients_incomplete": partial,
        "designs": designs,
        "best_loe": min(levels) if levels else None,
    }


# -- studies ---------------------------------------------------------------------------------
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


def study_rows(ev: Evidence, flt: StudyFilter) -> list[dict[str, Any]]:
    """One row per finding and per head-to-head comparison that passes the filter."""
    rows = []
    items: list[tuple[Study, Finding | Comparison]] = [*findings(ev), *comparisons(ev)]
    blank: dict[str, Any] | None = None
    for s, f in items:
        if not _passes(ev, flt, s, f):
            continue
        if isinstance(f, Finding):
            rec = figure_record(ev, s, f)
            share = tumor_share(s, {t for name in flt.tumors for t in tumor_set(name)}) if flt.tumors else None
            rec["tumor_share"] = share
            if share:
                rec["figure"] = f"{rec['figure']} [{share}]"
        else:
            if blank is None:
                first = next(findings(ev), None)
                blank = dict.fromkeys(figure_record(ev, *first), None) if first else {}
            comp = comparison_record(ev, s, f)
            rec = {**blank, **{k: v for k, v in comp.items() if k in blank or not blank}, "stat": f.measure}
            rec.update(study_n=s.n, indirect=s.indirect, tumor_types=list(s.tumor_types), population=s.population)
        rec["modality"] = ", ".join(f.modalities)
        rows.append(rec)
    return rows


def forest(ev: Evidence, oid: str, mods: list[Modality], flt: StudyFilter) -> list[dict[str, Any]]:
    """Forest-plot groups for one outcome over `mods` (all treatments when empty)."""
    by_mod: dict[str, list[tuple[Study, Finding]]] = {}
    pairs = filtered_findings(ev, flt)
    for m in mods or ev.treatments:
        by_mod[m.id] = [(s, f) for s, f in pairs if f.outcome == oid and m.id in f.modalities]
    return synthesis.forest_groups(ev, oid, by_mod)


def sort_rows(rows: list[dict[str, Any]], key: str, reverse: bool = False) -> list[dict[str, Any]]:
    """Rows sorted by one field. Values are compared only within one kind of figure (stat and unit):
    a median in months is not ranked against a percentage."""
    if key in ("value", "value_max"):
        kinds = {(r.get("stat"), r.get("unit")) for r in rows if r.get(key) is not None}
        if len(kinds) > 1:
            shown = ", ".join(sorted(f"{stat} in {unit}" if unit else str(stat) for stat, unit in kinds if stat)[:4])
            raise UsageError(
                f"--sort {key} would rank different kinds of figure against each other ({shown})",
                "narrow to one outcome and statistic first, e.g. --outcome os, or sort by n or year",
            )
    return _sort_rows(rows, key, reverse)


def _sort_rows(rows: list[dict[str, Any]], key: str, reverse: bool = False) -> list[dict[str, Any]]:
    """Sort by one field; missing values always last."""
    present = [r for r in rows if r.get(key) is not None]
    missing = [r for r in rows if r.get(key) is None]

    def k(r: dict[str, Any]) -> Any:
        v = r[key]
        return (0, v, "") if isinstance(v, (int, float)) else (1, 0, str(v).lower())

    return sorted(present, key=k, reverse=reverse) + missing


# -- outcomes --------------------------------------------------------------------------------
def outcome_rows(ev: Evidence) -> list[dict[str, Any]]:
    counts: dict[str, int] = {}
    for _, f in findings(ev):
        counts[f.outcome] = counts.get(f.outcome, 0) + 1
    return [
        {
            "id": o.id,
            "label": o.label,
            "kind": o.kind,
            "unit": o.unit,
            "higher_is_better": o.higher_is_better,
            "category": o.category,
            "findings": counts.get(o.id, 0),
            "description": o.description,
        }
        for o in ev.outcomes.values()
    ]


def outcome_figures(
    ev: Evidence, oid: str, *, pooled: bool = True, indirect: bool = False, flt: StudyFilter | None = None
) -> list[dict[str, Any]]:
    """Every modality's figures for one outcome, grouped by modality and then by measure (figures of
    different measures are never ranked against each other); a group's pooled estimate comes first.
    Indirect (non-NET) evidence only when asked, after the NET figures."""
    rows = []
    for direct in (True, False) if indirect else (True,):
        for m in ev.treatments:
            pairs = [(s, f) for s, f in keep(ev, flt, findings(ev, m.id)) if f.outcome == oid and s.indirect != direct]
            for group in combine.groups(pairs):
                pool = synthesis.pool(ev, group) if pooled else None
                if pool:
                    s0, f0 = group[0]
                    rows.append(
                        {
                            "modality": m.id,
                            "figure": measure_prefix(ev, s0, f0) + synthesis.pooled_text(pool),
                            "design": "pooled",
                            "loe": None,
                            "definition": f0.definition,
                            "pooled": pool,
                        }
                    )
                for s, f in group:
                    rec = figure_record(ev, s, f)
                    rec["modality"] = m.id
                    rows.append(rec)
    return rows


# -- search ----------------------------------------------------------------------------------
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
    from nelm.figures import citation

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


# -- refs ------------------------------------------------------------------------------------
def cited_sources(ev: Evidence, mods: list[Modality] | None) -> list[str]:
    """Ids of sources behind the given modalities (all when None), in first-use order."""
    order: dict[str, None] = {}
    for m in mods if mods is not None else list(ev.modalities.values()):
        for items in (m.indications, m.contraindications, m.statements):
            for i in items:
                order.update(dict.fromkeys(i.sources))
        for s, _ in findings(ev, m.id) if m.kind == "modality" else ((s, None) for s in m.studies):
            order.update(dict.fromkeys(x for x in (s.source, s.via) if x))
    return [sid for sid in order if sid in ev.sources]


def ref_rows(ev: Evidence, mods: list[Modality] | None) -> list[dict[str, Any]]:
    rows = []
    for i, sid in enumerate(cited_sources(ev, mods), 1):
        src = ev.sources[sid]
        rows.append(
            {
                "number": i,
                "id": sid,
                "citation": vancouver(src),
                "type": src.type,
                "year": src.year,
                "pmid": src.pmid,
                "doi": src.doi,
                "url": src.url,
                "read": src.read,
            }
        )
    return rows
