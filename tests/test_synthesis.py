"""Pooled estimates in compare and outcomes, and the forest command (issue 12)."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import nelm_script

GOLDEN = Path(__file__).resolve().parent / "golden"

SERIES = """
  - id: pool-{i}
    source: musunuru-2006
    design: case-series
    loe: 4
    n: {n}
    tumor_types: [carcinoid]
    population: Synthetic series {i} for the pooling tests.{extra}
    findings:
      - {{outcome: major-complication, stat: proportion, value: {pct}, events: {e}, unit: "%", n: {n}}}
      - {{outcome: os, time_origin: treatment, stat: proportion, value: {pct}, unit: "%", n: {n}, timepoint: 5y,
         method: kaplan-meier}}
"""


def _overlay(evidence_copy: Path, counts, indirect_last: bool = False) -> Path:
    text = (evidence_copy / "tace.yaml").read_text(encoding="utf-8")
    for i, (e, n) in enumerate(counts):
        extra = "\n    indirect: true" if indirect_last and i == len(counts) - 1 else ""
        text += SERIES.format(i=i, n=n, e=e, pct=round(100 * e / n, 1), extra=extra)
    (evidence_copy / "tace.yaml").write_text(text, encoding="utf-8")
    return evidence_copy


def _cell(nelm, evidence, outcome, *extra):
    r = nelm("compare", "tace", "rfa", "-o", outcome, *extra, "-f", "json", evidence=evidence)
    assert r.code == 0, r.stderr
    return json.loads(r.stdout)["results"][-1]["tace"]


def test_three_comparable_series_are_pooled_and_labelled(nelm, evidence_copy):
    ev = _overlay(evidence_copy, [(3, 30), (5, 40), (2, 25)])
    cell = _cell(nelm, ev, "major-complication")[0]
    pooled = cell["pooled"]
    assert pooled["k"] == 3 and pooled["n"] == 95 and pooled["events"] == 10
    assert pooled["method"].startswith("random effects (DL)")
    assert "pooled (random effects, 3 studies, 95 patients, I\u00b2 " in cell["figure"]
    assert 0 < pooled["ci_low"] < pooled["estimate"] < pooled["ci_high"] < 100
    assert [s["events"] for s in pooled["studies"]] == [3, 5, 2]


def test_no_pooled_turns_it_off(nelm, evidence_copy):
    ev = _overlay(evidence_copy, [(3, 30), (5, 40), (2, 25)])
    head, context = _cell(nelm, ev, "major-complication", "--no-pooled")
    assert head["pooled"] is None and "pooled" not in head["figure"] and context["figure"].startswith("3 studies, n=95")


def test_two_studies_are_never_pooled(nelm, evidence_copy):
    ev = _overlay(evidence_copy, [(3, 30), (5, 40)])
    assert all(not c.get("pooled") for c in _cell(nelm, ev, "major-complication"))


def test_survival_rates_are_never_pooled_as_counts(nelm, evidence_copy):
    ev = _overlay(evidence_copy, [(3, 30), (5, 40), (2, 25), (4, 20)])
    cells = _cell(nelm, ev, "os")
    assert all(not c.get("pooled") for c in cells)


def test_indirect_evidence_is_never_pooled_with_net_series(nelm, evidence_copy):
    ev = _overlay(evidence_copy, [(3, 30), (5, 40), (2, 25)], indirect_last=True)
    cells = _cell(nelm, ev, "major-complication")
    assert all(not c.get("pooled") for c in cells)


def test_outcomes_shows_the_pooled_estimate_first_within_its_modality(nelm, evidence_copy):
    ev = _overlay(evidence_copy, [(3, 30), (5, 40), (2, 25)])
    rows = json.loads(nelm("outcomes", "major-complication", "-f", "json", evidence=ev).stdout)["results"]
    tace = [r for r in rows if r["modality"] == "tace"]
    assert tace[0]["design"] == "pooled" and tace[0]["pooled"]["k"] == 3 and len(tace) == 4


def _forest(ev: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    e = {"NELM_EVIDENCE_DIR": str(ev), "NELM_CACHE": "0", "COLUMNS": "80", "PATH": "/usr/bin:/bin", **(env or {})}
    return subprocess.run([*nelm_script(), "forest", *args], capture_output=True, text=True, env=e, timeout=120)


def test_forest_plot_golden_plain_when_piped(evidence_copy):
    ev = _overlay(evidence_copy, [(3, 30), (5, 40), (2, 25)])
    r = _forest(ev, "major-complication", "tace")
    assert r.returncode == 0, r.stderr
    golden = GOLDEN / "forest-cli.txt"
    import os

    if os.environ.get("NELM_UPDATE_GOLDEN"):
        golden.write_text(r.stdout, encoding="utf-8")
    assert r.stdout == golden.read_text(encoding="utf-8")
    assert r.stdout.isascii() and "pooled (random effects DL, 3 studies, 95 patients, I2" in r.stdout


def test_forest_json_carries_every_number(evidence_copy):
    ev = _overlay(evidence_copy, [(3, 30), (5, 40), (2, 25)])
    r = _forest(ev, "major-complication", "-f", "json")
    doc = json.loads(r.stdout)
    (group,) = [g for g in doc["results"] if g["modality"] == "tace"]
    assert [(s["events"], s["n"]) for s in group["studies"]] == [(3, 30), (5, 40), (2, 25)]
    assert group["pooled"]["k"] == 3


def test_forest_of_an_outcome_without_proportions_says_so(evidence_copy):
    r = _forest(evidence_copy, "os")
    assert r.returncode == 0 and r.stdout == "" and "never plotted" in r.stderr


@pytest.mark.parametrize("suffix", ["svg", "png"])
def test_forest_image_export(evidence_copy, tmp_path, suffix):
    pytest.importorskip("matplotlib")
    ev = _overlay(evidence_copy, [(3, 30), (5, 40), (2, 25)])
    out = tmp_path / f"plot.{suffix}"
    r = _forest(ev, "major-complication", "-o", str(out))
    assert r.returncode == 0, r.stderr
    data = out.read_bytes()
    if suffix == "svg":
        assert ET.fromstring(data).tag.endswith("svg")
    else:
        assert data.startswith(b"\x89PNG\r\n\x1a\n")


def test_forest_image_without_matplotlib_is_a_usage_error_naming_the_extra(evidence_copy, tmp_path):
    blocker = tmp_path / "block"
    (blocker / "matplotlib").mkdir(parents=True)
    (blocker / "matplotlib" / "__init__.py").write_text("raise ImportError('blocked for the test')\n")
    ev = _overlay(evidence_copy, [(3, 30), (5, 40), (2, 25)])
    code = "import sys; from nelm.cli import main; sys.exit(main(sys.argv[1:]))"
    r = subprocess.run(
        [sys.executable, "-c", code, "forest", "major-complication", "-o", str(tmp_path / "x.svg")],
        capture_output=True,
        text=True,
        env={"NELM_EVIDENCE_DIR": str(ev), "NELM_CACHE": "0", "PYTHONPATH": str(blocker)},
        timeout=120,
    )
    assert r.returncode == 2 and "nelm[plot]" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "x.svg").exists()


def test_readme_python_examples_run():
    import doctest
    import re

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert blocks
    for block in blocks:
        test = doctest.DocTestParser().get_doctest(block, {}, "README", "README.md", 0)
        runner = doctest.DocTestRunner()
        runner.run(test)
        assert runner.failures == 0
