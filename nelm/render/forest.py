"""Terminal forest plot: study proportions with intervals drawn to one scale, grouped by modality.

A pure function from data to text lines; the caller prints them. Proportions are on the 0-1 scale.

Example::

    >>> from nelm.render.forest import ForestGroup, StudyRow, forest_lines
    >>> from nelm.analysis.stats import pool_proportions
    >>> rows = [StudyRow.from_counts("Smith 2010", 12, 18), StudyRow.from_counts("Lee 2014", 30, 52)]
    >>> group = ForestGroup("TACE", rows, pool_proportions([12, 30], [18, 52]))
    >>> print("\\n".join(forest_lines([group], width=72, unicode=False)))
    TACE
      Study      events/n     %       95% CI
      Smith 2010    12/18  66.7    43.7-83.7    |------------o---------|
      Lee 2014      30/52  57.7    44.2-70.1    |-------o------|
      pooled (random effects DL, 2 studies, 70 patients, I2 0%)
                    42/70  59.9    48.1-70.7       <======O=====>
                                              +-----+-----+----+-----+-----+
                                              40%  50%   60%  70%   80%  90%
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from nelm.analysis.stats import PooledProportion, proportion_interval

_STEPS = (1, 2, 5, 10, 20, 25, 50)  # tick steps in percentage points, finest first
_MIN_PLOT = 12
PI_LABEL = "prediction interval"


@dataclass(frozen=True)
class StudyRow:
    """One study: "Author Year", events/n and the proportion with its interval (0-1)."""

    label: str
    events: int
    n: int
    estimate: float
    ci_low: float
    ci_high: float

    @classmethod
    def from_counts(cls, label: str, events: int, n: int, ci: str = "wilson") -> StudyRow:
        """A row from counts, with a Wilson (default) or Clopper-Pearson ("clopper-pearson") interval."""
        i = proportion_interval(events, n, ci)
        return cls(label, events, n, i.estimate, i.ci_low, i.ci_high)


@dataclass(frozen=True)
class ForestGroup:
    """One modality: a title, its study rows, and optionally the pooled result of its studies."""

    title: str
    studies: Sequence[StudyRow] = field(default_factory=tuple)
    pooled: PooledProportion | None = None


@dataclass(frozen=True)
class _Glyphs:
    fill: str
    left: str
    right: str
    marker: str
    pooled_fill: str
    pooled_left: str
    pooled_right: str
    pooled_marker: str
    clip_left: str
    clip_right: str
    dot: str
    axis: str
    tick: str
    dash: str
    ellipsis: str
    i2: str


UNICODE = _Glyphs("─", "├", "┤", "■", "═", "◁", "▷", "◆", "◀", "▶", "·", "─", "┬", "–", "…", "I²")
ASCII = _Glyphs("-", "|", "|", "o", "=", "<", ">", "O", "<", ">", ".", "-", "+", "-", "...", "I2")


def as_group(group: ForestGroup | Mapping[str, Any]) -> ForestGroup:
    """Accept a ForestGroup or a mapping with title, studies (rows or mappings) and optional pooled.

    ValueError, naming the study, unless 0 <= ci_low <= estimate <= ci_high <= 1, and for a
    pooled result at another level than 95%.
    """
    if not isinstance(group, ForestGroup):
        studies = [s if isinstance(s, StudyRow) else StudyRow(**s) for s in group.get("studies", ())]
        group = ForestGroup(str(group["title"]), studies, group.get("pooled"))
    if group.pooled is not None and group.pooled.level != 0.95:
        raise ValueError(
            f"{group.title}: the forest plot shows 95% intervals, got a pooled level of {group.pooled.level}"
        )
    for s in group.studies:
        bounds = (s.ci_low, s.estimate, s.ci_high)
        if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in bounds) or not (
            -1e-12 <= s.ci_low <= s.estimate + 1e-12 and s.estimate <= s.ci_high + 1e-12 and s.ci_high <= 1 + 1e-12
        ):
            raise ValueError(f"study '{s.label}': need 0 <= ci_low <= estimate <= ci_high <= 1, got {bounds}")
    return group


def pooled_label(p: PooledProportion, unicode: bool = True) -> str:
    """E.g. "pooled (random effects DL, 3 studies, 90 patients, I² 52%)"."""
    g = UNICODE if unicode else ASCII
    method = p.method.upper() + ("-HKSJ" if p.hksj else "")
    studies = "1 study" if p.k == 1 else f"{p.k} studies"
    patients = "1 patient" if p.n == 1 else f"{p.n} patients"
    return f"pooled (random effects {method}, {studies}, {patients}, {g.i2} {p.i2:.0f}%)"


def forest_lines(
    groups: Sequence[ForestGroup | Mapping[str, Any]],
    width: int = 80,
    unicode: bool = True,
    scale: tuple[float, float] | None = None,
) -> list[str]:
    """Lay out a forest plot in ``width`` columns (lines run wider only below about 55 columns).

    One line per study (label, events/n, %, 95% interval, drawing; long labels are shortened with
    an ellipsis); per group a pooled row under its label line (wrapped, never cut) and, with
    k >= 3, a prediction-interval row; one axis at the bottom whose scale all groups share:
    ``scale`` (low, high) on the 0-1 scale, else the data's span rounded out to the tick step.
    ``unicode=False`` draws with ASCII only (for pipes and TERM=dumb).
    """
    g = UNICODE if unicode else ASCII
    gs = [as_group(x) for x in groups]
    counts = [f"{s.events}/{s.n}" for x in gs for s in x.studies]
    counts += [f"{x.pooled.events}/{x.pooled.n}" for x in gs if x.pooled]
    labels = [s.label for x in gs for s in x.studies]

    c_w = max([len("events/n"), *map(len, counts)])
    e_w = 5  # "100.0"
    i_w = 11  # "100.0-100.0"
    fixed = 2 + 1 + c_w + 1 + e_w + 2 + i_w + 2
    label_w = max(8, min(max([len("Study"), *map(len, labels)]), width - fixed - 16))
    plot_w = max(_MIN_PLOT, width - fixed - label_w)
    left = 2 + label_w + 1 + c_w + 1 + e_w + 2 + i_w + 2  # where the drawing starts

    values = [v for x in gs for s in x.studies for v in (s.ci_low, s.ci_high, s.estimate)]
    for x in gs:
        if x.pooled:
            p = x.pooled
            values += [p.ci_low, p.ci_high] + ([p.pi_low, p.pi_high] if p.pi_low is not None else [])  # type: ignore[list-item]
    lo, hi, step = _axis(values, plot_w, scale)

    def col(v: float) -> int:
        return round((100.0 * v - lo) / (hi - lo) * (plot_w - 1))

    def draw(low: float, high: float, mark: float | None, kind: str) -> str:
        cells = [" "] * plot_w
        a, b = col(low), col(high)
        ca, cb = max(a, 0), min(b, plot_w - 1)
        if ca > plot_w - 1 or cb < 0:  # wholly off the scale
            cells[0 if cb < 0 else -1] = g.clip_left if cb < 0 else g.clip_right
            return "".join(cells).rstrip()
        fill, lend, rend, marker = {
            "study": (g.fill, g.left, g.right, g.marker),
            "pooled": (g.pooled_fill, g.pooled_left, g.pooled_right, g.pooled_marker),
            "pi": (g.dot, g.dot, g.dot, g.dot),
        }[kind]
        for i in range(ca, cb + 1):
            cells[i] = fill
        cells[ca] = g.clip_left if a < 0 else lend
        cells[cb] = g.clip_right if b > plot_w - 1 else rend
        if mark is not None and 0 <= col(mark) < plot_w:
            cells[col(mark)] = marker
        return "".join(cells).rstrip()

    def row(label: str, count: str, est: str, ci: str, drawing: str) -> str:
        return (f"  {_fit(label, label_w, g):<{label_w}} {count:>{c_w}} {est:>{e_w}}  {ci:>{i_w}}  {drawing}").rstrip()

    def pct(v: float) -> str:
        return f"{100.0 * v:.1f}"

    lines: list[str] = []
    for n, x in enumerate(gs):
        if n:
            lines.append("")
        lines += textwrap.wrap(x.title, width, subsequent_indent="  ") or [""]
        lines.append(row("Study", "events/n", "%", "95% CI", ""))
        if not x.studies and not x.pooled:
            lines.append("  (no studies)")
        for s in x.studies:
            ci = f"{pct(s.ci_low)}{g.dash}{pct(s.ci_high)}"
            lines.append(
                row(s.label, f"{s.events}/{s.n}", pct(s.estimate), ci, draw(s.ci_low, s.ci_high, s.estimate, "study"))
            )
        if x.pooled:
            p = x.pooled
            lines += textwrap.wrap(pooled_label(p, unicode), width, initial_indent="  ", subsequent_indent="    ")
            ci = f"{pct(p.ci_low)}{g.dash}{pct(p.ci_high)}"
            lines.append(
                row("", f"{p.events}/{p.n}", pct(p.estimate), ci, draw(p.ci_low, p.ci_high, p.estimate, "pooled"))
            )
            if p.pi_low is not None and p.pi_high is not None:
                ci = f"{pct(p.pi_low)}{g.dash}{pct(p.pi_high)}"
                # No counts or estimate on this row, so its label may run over their columns.
                span = label_w + 1 + c_w + 1 + e_w
                pi_row = f"  {_fit(PI_LABEL, span, g):<{span}}  {ci:>{i_w}}  {draw(p.pi_low, p.pi_high, None, 'pi')}"
                lines.append(pi_row.rstrip())
    lines += _axis_lines(lo, hi, step, plot_w, left, col, g)
    return lines


def _fit(text: str, w: int, g: _Glyphs) -> str:
    return text if len(text) <= w else text[: max(0, w - len(g.ellipsis))] + g.ellipsis


def _axis(values: list[float], plot_w: int, scale: tuple[float, float] | None) -> tuple[float, float, float]:
    """Scale bounds in percent and a tick step whose labels do not collide."""
    if scale is not None:
        if not (0.0 <= scale[0] < scale[1] <= 1.0):
            raise ValueError(f"scale must be two proportions, low < high within 0..1, got {scale}")
        lo, hi = 100.0 * scale[0], 100.0 * scale[1]
    else:
        vs = [100.0 * v for v in values if math.isfinite(v)] or [0.0, 100.0]
        lo, hi = min(vs), max(vs)
    for step in _STEPS:
        a = lo if scale else max(0.0, math.floor(lo / step + 1e-9) * step)
        b = hi if scale else min(100.0, math.ceil(hi / step - 1e-9) * step)
        if b - a < step:  # a single value: give it one step of room
            a, b = (a, a + step) if a + step <= 100.0 else (b - step, b)
        ticks = _ticks(a, b, step)
        spacing = step / (b - a) * (plot_w - 1)
        if len(ticks) >= 2 and spacing >= len(f"{b:g}%") + 2:
            return a, b, step
    return (lo, hi, hi - lo) if scale else (0.0, 100.0, 100.0)


def _ticks(lo: float, hi: float, step: float) -> list[float]:
    first = math.ceil(lo / step - 1e-9) * step
    return [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]


def _axis_lines(lo: float, hi: float, step: float, plot_w: int, left: int, col: Any, g: _Glyphs) -> list[str]:
    axis = [g.axis] * plot_w
    labels = [" "] * plot_w
    for t in _ticks(lo, hi, step):
        c = col(t / 100.0)
        axis[c] = g.tick
        text = f"{t:g}%"
        start = min(max(0, c - len(text) // 2), plot_w - len(text))
        labels[start : start + len(text)] = text
    return [" " * left + "".join(axis), (" " * left + "".join(labels)).rstrip()]
