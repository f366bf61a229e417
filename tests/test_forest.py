"""Terminal forest plot (golden files, layout invariants) and the matplotlib image export."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from nelm.analysis.stats import pool_proportions
from nelm.render.forest import ForestGroup, StudyRow, forest_lines, pooled_label

GOLDEN = Path(__file__).resolve().parent / "golden"

RESECTION = [("Musunuru 2006", 11, 13), ("Mayo 2010", 240, 339), ("Glazer 2010", 100, 172), ("Saxena 2012", 0, 12)]
TACE = [("Ruutiainen 2007", 16, 23), ("Bloomston 2012", 97, 122)]


def group(title, studies, method="dl", hksj=False, ci="wilson"):
    rows = [StudyRow.from_counts(label, e, n, ci) for label, e, n in studies]
    pooled = pool_proportions([e for _, e, _ in studies], [n for _, _, n in studies], method=method, hksj=hksj)
    return ForestGroup(title, rows, pooled)


GROUPS = [group("Hepatic resection", RESECTION, "reml", True), group("TACE", TACE, ci="clopper-pearson")]


def check_golden(name: str, lines: list[str]) -> None:
    text = "\n".join(lines) + "\n"
    path = GOLDEN / name
    if os.environ.get("NELM_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden {name}; run with NELM_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"output differs from {path}"


@pytest.mark.parametrize(("name", "unicode"), [("forest.txt", True), ("forest.plain.txt", False)])
def test_golden(name, unicode):
    check_golden(name, forest_lines(GROUPS, width=80, unicode=unicode))


@pytest.mark.parametrize("unicode", [True, False])
@pytest.mark.parametrize("width", [60, 72, 80, 100, 132, 200])
def test_lines_fit_the_width(width, unicode):
    lines = forest_lines(GROUPS, width=width, unicode=unicode)
    assert max(map(len, lines)) <= width
    assert (
        sum(line.startswith("  Musunuru") for line in lines) == 1
    )  # not shortened from 60 columns  # one line per study


def test_plain_is_ascii_and_says_i2():
    text = "\n".join(forest_lines(GROUPS, unicode=False))
    assert text.isascii()
    assert "I2 " in text and "I²" not in text
    assert "I² " in "\n".join(forest_lines(GROUPS, unicode=True))


def test_pooled_label():
    p = pool_proportions([3, 9, 4], [10, 12, 9])
    assert pooled_label(p) == f"pooled (random effects DL, 3 studies, 31 patients, I² {p.i2:.0f}%)"
    one = pool_proportions([1], [1], "reml")
    assert pooled_label(one, unicode=False) == "pooled (random effects REML, 1 study, 1 patient, I2 0%)"
    assert "random effects REML-HKSJ, 2 studies" in pooled_label(pool_proportions([1, 3], [4, 5], "reml", True))


@pytest.mark.parametrize(
    "bad",
    [
        {"estimate": 0.5, "ci_low": 0.6, "ci_high": 0.7},
        {"estimate": 0.5, "ci_low": 0.1, "ci_high": 1.2},
        {"estimate": float("nan"), "ci_low": 0.1, "ci_high": 0.7},
        {"estimate": 0.5, "ci_low": -0.1, "ci_high": 0.7},
    ],
)
def test_rows_out_of_order_or_range_are_refused(bad):
    row = {"label": "Lee 2014", "events": 5, "n": 10, **bad}
    with pytest.raises(ValueError, match="study 'Lee 2014'"):
        forest_lines([{"title": "A", "studies": [row]}])


def _columns(line: str, chars: str) -> list[int]:
    return [i for i, c in enumerate(line) if c in chars]


def test_scale_is_shared_and_markers_sit_at_their_value():
    """With a 0-100% scale, a 50% study sits on the 50% tick in every group."""
    half = StudyRow("Half 2000", 10, 20, 0.5, 0.3, 0.7)
    a = ForestGroup("A", [half, StudyRow("Low 2001", 1, 10, 0.1, 0.02, 0.4)])
    b = ForestGroup("B", [StudyRow("High 2002", 9, 10, 0.9, 0.6, 0.98), half])
    lines = forest_lines([a, b], width=80, unicode=False, scale=(0.0, 1.0))
    axis, labels = lines[-2], lines[-1]
    ticks = _columns(axis, "+")
    start, end = ticks[0], ticks[-1]
    assert start == _columns(axis, "+-")[0] and end == len(axis) - 1
    assert labels[start:].startswith("0%") and labels.rstrip().endswith("100%")

    def at(v):
        return round(start + v * (end - start))

    for t in ticks[1:-1]:  # inner tick labels are centred on their tick, which sits at its value
        label = labels[t - 1 : t + 2]
        assert label.endswith("%") and at(int(label[:-1]) / 100) == t

    half_rows = [line for line in lines if line.startswith("  Half 2000")]
    assert len(half_rows) == 2
    for row in half_rows:
        assert _columns(row, "o") == [at(0.5)] and _columns(row, "|") == [at(0.3), at(0.7)]
    high = next(line for line in lines if line.startswith("  High 2002"))
    assert _columns(high, "o") == [at(0.9)] and _columns(high, "|") == [at(0.6), at(0.98)]


def test_auto_scale_rounds_the_data_span_out():
    g = ForestGroup("A", [StudyRow("X 2000", 6, 10, 0.6, 0.43, 0.77)])
    labels = forest_lines([g], width=80, unicode=False)[-1].split()
    values = [float(x.rstrip("%")) for x in labels]
    assert values[0] <= 43 and values[-1] >= 77 and values[-1] - values[0] < 100


def test_explicit_scale_clips_with_arrows():
    g = ForestGroup("A", [StudyRow("X 2000", 6, 10, 0.6, 0.3, 0.9), StudyRow("Y 2001", 1, 10, 0.1, 0.02, 0.2)])
    lines = forest_lines([g], width=80, unicode=False, scale=(0.4, 0.8))
    x_row = next(line for line in lines if line.startswith("  X 2000"))
    y_row = next(line for line in lines if line.startswith("  Y 2001"))
    assert x_row.rstrip().endswith(">") and "<" in x_row
    assert y_row.rstrip().endswith("<")  # wholly below the scale: only the arrow on the left edge
    with pytest.raises(ValueError, match="scale"):
        forest_lines([g], scale=(0.8, 0.4))


def test_mappings_empty_groups_long_labels_and_titles():
    rows = [
        {
            "label": "A very long author name et al. 2011",
            "events": 3,
            "n": 9,
            "estimate": 1 / 3,
            "ci_low": 0.12,
            "ci_high": 0.65,
        }
    ]
    lines = forest_lines(
        [{"title": "Radiofrequency ablation " * 6, "studies": rows}, {"title": "Empty", "studies": []}], width=60
    )
    assert max(map(len, lines)) <= 60
    assert "  (no studies)" in lines
    assert any("…" in line and "3/9" in line for line in lines)
    assert sum("Radiofrequency" in line for line in lines) > 1  # wrapped, not cut
    assert not any("pooled" in line for line in lines)


def test_pooled_level_must_be_95():
    g = ForestGroup("A", [], pool_proportions([3, 4], [10, 9], level=0.9))
    with pytest.raises(ValueError, match="95%"):
        forest_lines([g])


def test_prediction_interval_row_only_from_three_studies():
    text = "\n".join(forest_lines(GROUPS))
    assert text.count("prediction interval") == 1  # resection has k=4, TACE k=2


def test_import_is_light():
    code = "import sys, nelm.render.forest; print({'matplotlib', 'rich', 'numpy'} & set(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "set()"


# --- image export ---------------------------------------------------------------------------------


def test_svg_png_pdf(tmp_path):
    pytest.importorskip("matplotlib")
    from nelm.render.forest_image import write_forest_image

    svg = write_forest_image(GROUPS, tmp_path / "forest.svg")
    assert ET.parse(svg).getroot().tag == "{http://www.w3.org/2000/svg}svg"
    assert write_forest_image(GROUPS, tmp_path / "forest.PNG").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert write_forest_image(GROUPS, str(tmp_path / "forest.pdf")).read_bytes().startswith(b"%PDF")


def test_image_stays_headless(tmp_path):
    pytest.importorskip("matplotlib")
    code = (
        "import sys; from nelm.render.forest_image import write_forest_image; "
        "from nelm.render.forest import ForestGroup, StudyRow; "
        f"write_forest_image([ForestGroup('A', [StudyRow.from_counts('X 2000', 3, 9)])], {str(tmp_path / 'f.png')!r}); "
        "print('matplotlib.pyplot' in sys.modules)"
    )
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    assert out.strip() == "False"


def test_unknown_suffix(tmp_path):
    from nelm.render.forest_image import write_forest_image

    with pytest.raises(ValueError, match=r"\.svg, \.png, \.pdf"):
        write_forest_image(GROUPS, tmp_path / "forest.jpg")
    assert not list(tmp_path.iterdir())


def test_missing_matplotlib_names_the_extra(tmp_path, monkeypatch):
    from nelm.render.forest_image import PlotUnavailable, write_forest_image

    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # import fails as if not installed
    with pytest.raises(PlotUnavailable, match=r"pip install 'nelm\[plot\]'") as info:
        write_forest_image(GROUPS, tmp_path / "forest.svg")
    assert isinstance(info.value, ImportError) and info.value.hint == "pip install 'nelm[plot]'"
    assert not list(tmp_path.iterdir())


def test_doc_example():
    import doctest

    import nelm.render.forest

    assert doctest.testmod(nelm.render.forest).failed == 0
