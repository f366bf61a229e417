"""Summary of findings: what `compare` shows by default, after the GRADE summary-of-findings table.

Per outcome a tumour board asks about first (`core` in the outcome vocabulary) and per modality: a
headline (the pooled estimate where one is allowed, else the figure from the best NET-specific
evidence: level of evidence, then n, then year) with its own n and author-year citation, then its
context (how many comparable studies and patients, and their span), or "no NET data". Only figures
that nelm.analysis.combine allows to be summarised together share a context; indirect evidence never enters
a headline, a span or a patient total, and is shown only when asked, in its own rows.
"""

from __future__ import annotations

from typing import Any

from nelm.analysis import combine, synthesis
from nelm.analysis.figures import (
    comparison_record,
    figure_record,
    figure_text,
    measure_prefix,
    num,
    unit_suffix,
)
from nelm.evidence.honest import SUPPORTING
from nelm.evidence.model import Evidence, Finding, Modality, Study

NO_DATA = "no NET data"
Pair = tuple[Study, Finding]


def summary_of_findings(
    ev: Evidence,
    mods: list[Modality],
    *,
    outcomes: list[str] | None = None,
    all_outcomes: bool = False,
    indirect: bool = False,
    pooled: bool = True,
    flt: Any = None,
) -> list[dict[str, Any]]:
    """The rows of `compare`: head-to-head results, one row per outcome, evidence base, key risks.
    `flt` (a query.StudyFilter) narrows the figures, as in `studies`."""
    from nelm.analysis.filters import keep
    from nelm.analysis.lookup import findings

    per_mod = {m.id: keep(ev, flt, findings(ev, m.id)) for m in mods}
    rows: list[dict[str, Any]] = []
    h2h = _head_to_head(ev, mods, outcomes, flt)
    if h2h:
        rows.append(h2h)
    present = {f.outcome for pairs in per_mod.values() for s, f in pairs if not s.indirect}
    if outcomes is not None:
        order = [o for o in ev.outcomes if o in outcomes]
    elif all_outcomes:
        order = [o for o in ev.outcomes if o in present]
    else:
        order = [o for o, oc in ev.outcomes.items() if oc.core]
    for oid in order:
        row: dict[str, Any] = {"row": ev.outcomes[oid].label, "outcome": oid, "section": "outcome"}
        for m in mods:
            pairs = [(s, f) for s, f in per_mod[m.id] if f.outcome == oid and not s.indirect]
            row[m.id] = cell(ev, pairs, pooled=pooled)
        rows.append(row)
    if indirect:
        for oid in ev.outcomes:
            if outcomes is not None and oid not in outcomes:
                continue
            cells = {m.id: [(s, f) for s, f in per_mod[m.id] if f.outcome == oid and s.indirect] for m in mods}
            if any(cells.values()):
                row = {"row": f"{ev.outcomes[oid].label} (indirect evidence)", "outcome": oid, "section": "indirect"}
                for m in mods:
                    row[m.id] = cell(ev, cells[m.id], pooled=False, empty="none")
                rows.append(row)
    if outcomes is None:
        base: dict[str, Any] = {"row": "Evidence base", "outcome": None, "section": "base"}
        risks: dict[str, Any] = {"row": "Key risks", "outcome": None, "section": "risks"}
        for m in mods:
            b = evidence_base(ev, m)
            b["figure"] = base_text(b, m)
            base[m.id] = [b]
            risks[m.id] = key_risks(ev, m, per_mod[m.id])
        rows.extend([base, risks])
    return rows


def cell(ev: Evidence, pairs: list[Pair], *, pooled: bool = True, empty: str = NO_DATA) -> list[dict[str, Any]]:
    """A headline record and a context record (or `empty`)."""
    groups = combine.groups(pairs)
    if not groups:
        return [{"figure": empty, "headline": True, "figures": []}]
    pools: list[tuple[list[Pair], dict[str, Any]]] = []
    for g in groups if pooled else []:
        p = synthesis.pool(ev, g)
        if p:
            pools.append((g, p))
    if pools:
        group, pool = max(pools, key=lambda gp: (gp[1]["k"], gp[1]["n"]))
        s0, f0 = group[0]
        head = {
            "figure": measure_prefix(ev, s0, f0) + synthesis.pooled_text(pool),
            "headline": True,
            "pooled": pool,
            "figures": [figure_record(ev, s, f) for s, f in group],
        }
        best = None
    else:
        best = min((p for g in groups for p in g), key=lambda p: _rank(ev, p))
        group = next(g for g in groups if best in g)
        head = dict(figure_record(ev, *best), headline=True, pooled=None)
        head["figure"] = str(figure_text(ev, *best))
    context = _context(ev, group, best, pooled=bool(pools))
    others = len(groups) - 1
    if others:
        context = (context + "; " if context else "") + f"+{others} more"
    head["other_measures"] = others
    if context and not context.startswith("+"):
        records = [figure_record(ev, s, f) for s, f in group]
        return [
            head,
            {"figure": context, "headline": False, "studies": len({s.id for s, _ in group}), "figures": records},
        ]
    if context:  # only "+N more": on the headline's line
        head["figure"] = f"{head['figure']}; {context}"
    return [head]


def _rank(ev: Evidence, pair: Pair) -> tuple[int, int, int, int, int]:
    """Best first: a peer-reviewed or guideline source, a cohort of this modality alone (not a
    mixed arm such as TAE or TACE), then level of evidence, n, year."""
    s, f = pair
    src = ev.sources.get(s.source)
    weak = 0 if src is None or src.type in SUPPORTING else 1
    mixed = 1 if len(f.modalities) > 1 else 0
    return (weak, mixed, s.loe or 9, -(f.n or 0), -((src.year if src else 0) or 0))


def _context(ev: Evidence, group: list[Pair], best: Pair | None, *, pooled: bool) -> str:
    """'4 studies, n=235, range 26-50%' for the headline's comparable figures."""
    if len(group) < 2 or pooled:
        return ""
    k = len({s.id for s, _ in group})
    known, unknown, bound = combine.total_n(group)
    n = (
        f"n{'>=' if bound else '='}{known}" + (f" + {unknown} not stated" if unknown else "")
        if known
        else "n not stated"
    )
    values = [v for _, f in group for v in ((f.value,) if not isinstance(f.value, tuple) else f.value) if v is not None]
    f0 = group[0][1]
    span = ""
    if values and f0.stat in ("proportion", "median", "mean") and not isinstance(values[0], bool):
        lo, hi = min(values), max(values)
        span = f", {num(lo)}-{num(hi)}{unit_suffix(f0.unit)}" if lo != hi else ""
    return f"{k} studies, {n}{span}"


def evidence_base(ev: Evidence, m: Modality) -> dict[str, Any]:
    """What a modality's evidence rests on: records, NET cohorts counted once, reviews, patients, designs."""
    from nelm.analysis.lookup import patients, studies_of

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


def base_text(b: dict[str, Any], m: Modality) -> str:
    k, r = b["cohorts"], b["syntheses"]
    text = f"{k} NET cohort{'s' * (k != 1)}, {'>=' if b['patients_incomplete'] else ''}{b['patients']} patients"
    if r:
        text += f", {r} review{'s' * (r != 1)}"
    if b["best_loe"]:
        text += f"; best LoE {b['best_loe']}"
    if m.searched or m.reviewed:
        text += f"; searched {m.searched}" if m.searched else f"; reviewed {m.reviewed}"
    return text


def key_risks(ev: Evidence, m: Modality, pairs: list[Pair], limit: int = 1) -> list[dict[str, Any]]:
    """The risks a board weighs: first a patient-factor risk with the figure for patients who have
    the factor (findings tagged `factor:`), then adverse events that are not core rows (best
    NET-specific figure each), `limit` figures in all; then how many more `show` holds."""
    safety = [
        (s, f)
        for s, f in pairs
        if not s.indirect
        and f.outcome in ev.outcomes
        and ev.outcomes[f.outcome].category == "safety"
        and (f.factor or not ev.outcomes[f.outcome].core)
    ]
    by_factor: dict[str, list[Pair]] = {}
    by_outcome: dict[str, list[Pair]] = {}
    for s, f in safety:
        (by_factor.setdefault(f.factor, []) if f.factor else by_outcome.setdefault(f.outcome, [])).append((s, f))
    ranked = sorted(by_outcome.items(), key=lambda kv: min(_rank(ev, p) for p in kv[1]))
    out: list[dict[str, Any]] = []
    for fid, group in sorted(by_factor.items(), key=lambda kv: min(_rank(ev, p) for p in kv[1])):
        best = min(group, key=lambda p: _rank(ev, p))
        factor = ev.factors[fid].label if fid in ev.factors else fid
        rec = dict(figure_record(ev, *best), factor=fid)
        rec["figure"] = f"With {factor}: {ev.outcomes[best[1].outcome].label}: {figure_text(ev, *best)}"
        out.append(rec)
    out = out[:limit]
    shown_outcomes = 0
    for oid, group in ranked:
        if len(out) >= limit:
            break
        best = min(group, key=lambda p: _rank(ev, p))
        rec = dict(figure_record(ev, *best))
        rec["figure"] = f"{ev.outcomes[oid].label}: {figure_text(ev, *best)}"
        out.append(rec)
        shown_outcomes += 1
    statements = [i for i in m.statements if i.topic == "risk"] + [
        i for i in m.contraindications if i.kind == "absolute"
    ]
    more = len(ranked) - shown_outcomes
    if statements or more > 0:
        bits = []
        if more > 0:
            bits.append(f"{more} {'more ' if out else ''}adverse event{'s' * (more != 1)}")
        if statements:
            bits.append(f"{len(statements)} risk note{'s' * (len(statements) != 1)}")
        out.append({"figure": f"{', '.join(bits)}: nelm show {m.id}", "outcome": None, "study": None})
    return out or [{"figure": NO_DATA}]


def _head_to_head(
    ev: Evidence, mods: list[Modality], outcomes: list[str] | None, flt: Any = None, limit: int = 1
) -> dict[str, Any] | None:
    """Direct comparisons (one side among the compared modalities, the other side too), each once,
    in the column of the first compared modality it involves (at most `limit`, then a count); then
    how many comparisons against other options each modality has."""
    from nelm.analysis.filters import keep
    from nelm.analysis.lookup import comparisons

    order = [m.id for m in mods]
    ids = set(order)
    direct: dict[str, list[dict[str, Any]]] = {m: [] for m in order}
    other = dict.fromkeys(order, 0)
    seen: set[int] = set()
    for s, c in keep(ev, flt, comparisons(ev)):
        if s.indirect or (outcomes is not None and c.outcome not in outcomes):
            continue
        a, b = s.arm(c.arm), s.arm(c.vs)
        left = set(a.modalities) if a else set()
        right = set(b.modalities) if b else set()
        involved = [m for m in order if m in c.modalities]
        if not involved:
            continue
        if left & ids and right & ids and left != right and id(c) not in seen:
            seen.add(id(c))
            direct[involved[0]].append(dict(comparison_record(ev, s, c), direct=True))
        else:
            for m in involved:
                other[m] += 1
    if not any(direct.values()) and not any(other.values()):
        return None
    row: dict[str, Any] = {"row": "Head-to-head", "outcome": None, "section": "head-to-head"}
    for m in order:
        shown = direct[m][:limit]
        more = len(direct[m]) - len(shown)
        tail = []
        if more:
            tail.append(f"{more} more direct")
        if other[m]:
            tail.append(f"{other[m]} vs other options")
        row[m] = shown + ([{"figure": "; ".join(tail), "direct": False}] if tail else [])
        if not row[m]:
            row[m] = [{"figure": "none", "direct": False}]
    return row
