"""Forest plot as an image (SVG, PNG or PDF, chosen by the file suffix), drawn with matplotlib.

matplotlib is optional (``pip install 'nelm[plot]'``) and imported only inside
:func:`write_forest_image`; it draws on a bare ``Figure`` (Agg for PNG), never through pyplot, so no
display or global backend is involved.

Example::

    from nelm.render.forest import ForestGroup, StudyRow
    from nelm.render.forest_image import write_forest_image
    from nelm.analysis.stats import pool_proportions

    rows = [StudyRow.from_counts("Smith 2010", 12, 18), StudyRow.from_counts("Lee 2014", 30, 52)]
    write_forest_image([ForestGroup("TACE", rows, pool_proportions([12, 30], [18, 52]))], "forest.svg")
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from nelm.render.forest import PI_LABEL, ForestGroup, _axis, as_group, pooled_label

FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf"}
INSTALL_HINT = "pip install 'nelm[plot]'"


class PlotUnavailable(ImportError):
    """matplotlib is not installed; the message names the extra to install."""

    def __init__(self) -> None:
        super().__init__(f"writing a forest plot image needs matplotlib: {INSTALL_HINT}")
        self.hint = INSTALL_HINT


def image_format(path: str | Path) -> str:
    """The format for a file name, from its suffix; ValueError for any other suffix."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"unsupported image type '{suffix or Path(path).name}'; use one of: {', '.join(FORMATS)}")
    return FORMATS[suffix]


def write_forest_image(
    groups: Sequence[ForestGroup | Mapping[str, Any]],
    path: str | Path,
    scale: tuple[float, float] | None = None,
) -> Path:
    """Draw the groups as :func:`nelm.render.forest.forest_lines` lays them out, and write ``path``.

    Raises PlotUnavailable without matplotlib, ValueError for an unknown suffix (both before any file
    is written), OSError if the file cannot be written.
    """
    fmt = image_format(path)
    try:
        from matplotlib.figure import Figure
        from matplotlib.patches import Polygon
    except ImportError as e:
        raise PlotUnavailable() from e

    gs = [as_group(g) for g in groups]
    rows: list[tuple[str, str, str, Any]] = []  # (kind, left text, right text, data)
    for g in gs:
        rows.append(("title", g.title, "", None))
        for s in g.studies:
            right = f"{s.events}/{s.n}   {100 * s.estimate:.1f}% ({100 * s.ci_low:.1f}–{100 * s.ci_high:.1f})"
            rows.append(("study", s.label, right, s))
        if g.pooled:
            p = g.pooled
            right = f"{p.events}/{p.n}   {100 * p.estimate:.1f}% ({100 * p.ci_low:.1f}–{100 * p.ci_high:.1f})"
            rows.append(("pooled", pooled_label(p), right, p))
            if p.pi_low is not None and p.pi_high is not None:
                rows.append(("pi", PI_LABEL, f"({100 * p.pi_low:.1f}–{100 * p.pi_high:.1f})", p))
        rows.append(("gap", "", "", None))

    values = [v for g in gs for s in g.studies for v in (s.ci_low, s.ci_high)]
    for g in gs:
        if g.pooled:
            values += [g.pooled.ci_low, g.pooled.ci_high]
            values += [v for v in (g.pooled.pi_low, g.pooled.pi_high) if v is not None]
    lo, hi, step = _axis(values, 60, scale)

    fig = Figure(figsize=(10, 0.9 + 0.28 * len(rows)))
    ax = fig.add_axes((0.36, 0.9 / (0.9 + 0.28 * len(rows)), 0.36, 1 - 1.0 / (0.9 + 0.28 * len(rows))))
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlim(lo, hi)
    ax.set_xticks([lo + i * step for i in range(int(round((hi - lo) / step)) + 1)])
    ax.xaxis.set_major_formatter(lambda x, _pos: f"{x:g}%")
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="x", color="0.9", linewidth=0.6)
    ax.set_axisbelow(True)

    for y, (kind, left, right, d) in enumerate(rows):
        weight = "bold" if kind in ("title", "pooled") else "normal"
        x_text = -0.02 if kind != "title" else -1.0
        ax.text(x_text, y, left, transform=ax.get_yaxis_transform(), ha="right" if kind != "title" else "left",
                va="center", fontsize=8, fontweight=weight)  # fmt: skip
        ax.text(1.02, y, right, transform=ax.get_yaxis_transform(), ha="left", va="center", fontsize=8)
        if kind == "study":
            ax.hlines(y, 100 * d.ci_low, 100 * d.ci_high, color="0.2", linewidth=1)
            ax.plot([100 * d.estimate], [y], marker="s", color="0.2", markersize=5)
        elif kind == "pooled":
            xs = [100 * d.ci_low, 100 * d.estimate, 100 * d.ci_high, 100 * d.estimate]
            ax.add_patch(Polygon(list(zip(xs, [y, y - 0.3, y, y + 0.3], strict=True)), closed=True, color="0.1"))
        elif kind == "pi":
            ax.hlines(y, 100 * d.pi_low, 100 * d.pi_high, color="0.4", linewidth=1, linestyles="dotted")
    ax.set_xlabel("proportion (%)", fontsize=8)
    ax.tick_params(labelsize=8)

    out = Path(path)
    metadata = {"Date": None} if fmt in ("svg", "pdf") else None  # reproducible files
    fig.savefig(out, format=fmt, metadata=metadata, bbox_inches="tight")
    return out
