"""Views a tumour board can read (issue 11): one screen, no broken words, NET-specific by default.

Layout targets are measured exactly with a fixed-width console, on the shipped evidence (what a
user sees) and as golden files on the frozen fixture evidence."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parent / "golden"


def _lines(nelm, *args, width: int, evidence=None) -> list[str]:
    r = nelm(*args, "-f", "table", env={"COLUMNS": str(width)}, evidence=evidence)
    assert r.code == 0, r.stderr
    return r.stdout.splitlines()


@pytest.mark.parametrize(("width", "most"), [(80, 60), (160, 40)])
def test_compare_tace_rfa_fits_one_screen(nelm, width, most):
    lines = _lines(nelm, "compare", "tace", "rfa", width=width, evidence=None)
    assert len(lines) <= most, f"{len(lines)} lines at {width} columns"
    assert all(len(line) <= width for line in lines)


def test_show_tace_is_at_most_150_lines_at_80_columns(nelm):
    lines = _lines(nelm, "show", "tace", width=80, evidence=None)
    assert len(lines) <= 150, len(lines)
    assert lines[-1].startswith("[") and any(line == "References" for line in lines)


def test_list_at_80_columns_breaks_no_word(nelm):
    lines = _lines(nelm, "list", width=80, evidence=None)
    text = " ".join(part.strip() for line in lines for part in line.split("│"))
    rows = json.loads(nelm("list", "-f", "json", evidence=None).stdout)["results"]
    for row in rows:
        for word in row["summary"].split():
            assert re.search(rf"(^|\s){re.escape(word)}(\s|$)", text), word


def test_references_are_numbered_in_order_of_first_citation_and_all_cited(nelm):
    rows = json.loads(nelm("show", "tace", "-f", "json", evidence=None).stdout)["results"]
    assert rows  # the JSON profile is unchanged; the page is checked below
    lines = _lines(nelm, "show", "tace", width=200, evidence=None)
    start = lines.index("References")
    body, refs = "\n".join(lines[:start]), lines[start + 1 :]
    numbers = [int(m) for m in re.findall(r"^\[(\d+)\]", "\n".join(refs), re.M)]
    assert numbers == list(range(1, len(numbers) + 1))
    cited = [int(n) for group in re.findall(r"\[([\d, ]+)\]", body) for n in group.split(", ")]
    first_seen = list(dict.fromkeys(cited))
    assert first_seen == list(range(1, len(first_seen) + 1)) and set(cited) == set(numbers)


def test_no_default_view_shows_indirect_evidence(nelm):
    for args in (("compare", "rfa", "microwave"), ("outcomes", "liver-abscess"), ("show", "microwave")):
        r = nelm(*args, "-f", "table", env={"COLUMNS": "200"}, evidence=None)
        assert r.code == 0 and "indirect evidence" not in r.stdout, args
    r = nelm("compare", "rfa", "microwave", "--indirect", "-f", "json", evidence=None)
    rows = json.loads(r.stdout)["results"]
    assert any(row.get("section") == "indirect" for row in rows)


def test_core_outcomes_without_data_say_so(nelm):
    rows = json.loads(nelm("compare", "tace", "rfa", "-f", "json").stdout)["results"]
    core = [r for r in rows if r.get("section") == "outcome"]
    assert core and all(r["tace"] and r["rfa"] for r in core)  # never an empty cell
    assert any(c["figure"] == "no NET data" for r in core for c in r["rfa"])


VIEWS = {
    "list": ["list"],
    "compare": ["compare", "tace", "rfa"],
    "show": ["show", "rfa"],
    "outcomes": ["outcomes", "symptom-response"],
    "studies": ["studies", "-m", "rfa"],
    "refs": ["refs", "rfa"],
    "search": ["search", "crisis"],
}


@pytest.mark.parametrize("width", [80, 160])
@pytest.mark.parametrize("view", list(VIEWS))
def test_golden_views_at_80_and_160_columns(nelm, view, width):
    from conftest import FIXTURE_EVIDENCE

    r = nelm(*VIEWS[view], "-f", "table", env={"COLUMNS": str(width)})
    assert r.code == 0, r.stderr
    text = r.stdout.replace(str(FIXTURE_EVIDENCE), "<evidence>")
    path = GOLDEN / f"view-{view}-{width}.txt"
    if os.environ.get("NELM_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_sort_by_value_refuses_to_rank_different_kinds_of_figure(nelm):
    r = nelm("studies", "--sort", "value")
    assert r.code == 2 and "--sort value would rank different kinds of figure" in r.stderr
    ok = nelm("studies", "--outcome", "biochemical-response", "--sort", "value", "-f", "json")
    values = [x["value"] for x in json.loads(ok.stdout)["results"]]
    assert ok.code == 0 and values == sorted(values)


def test_tumour_filter_shows_the_matching_share_of_a_mixed_population():
    from nelm.analysis.filters import tumor_share
    from nelm.evidence.model import Study

    mix = (("carcinoid", 36), ("pancreatic", 18), ("medullary-thyroid", 9))
    s = Study(id="s", modality="rfa", source="x", design="case-series", n=63, tumor_types=("mixed",), tumor_mix=mix)
    assert tumor_share(s, {"pancreatic"}) == "mixed: 29% pancreatic"
    assert tumor_share(s, {"carcinoid", "small-bowel"}) == "mixed: 57% carcinoid"
    only = Study(id="t", modality="rfa", source="x", design="case-series", n=5, tumor_types=("pancreatic",))
    assert tumor_share(only, {"pancreatic"}) is None


def test_compare_outcomes_and_show_take_the_study_filters(nelm):
    def figures(*args):
        rows = json.loads(nelm(*args, "-f", "json").stdout)["results"]
        return rows

    everything = figures("outcomes", "symptom-response")
    recent = figures("outcomes", "symptom-response", "--since", "2020")
    assert everything and not recent  # the fixture's figures are all older
    cells = figures("compare", "tace", "rfa", "--design", "prospective")
    tace = next(r for r in cells if r["outcome"] == "biochemical-response")["tace"]
    assert [c["figure"] for c in tace] == ["no NET data"]  # PDQ's pooled trials are not prospective
    page = nelm("show", "rfa", "--min-n", "1000", "-f", "tsv").stdout
    assert "Findings" not in page and "findings\t" not in page
    bad = nelm("compare", "tace", "rfa", "--tumor", "nonsense")
    assert bad.code == 2 and "unknown tumour type 'nonsense'" in bad.stderr


def test_readme_shows_the_current_compare_view(nelm):
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("At 80 columns (`COLUMNS=80 nelm compare tace rfa`):\n\n```text\n", 1)[1].split("```", 1)[0]
    r = nelm("compare", "tace", "rfa", "-f", "table", env={"COLUMNS": "80"}, evidence=None)
    assert block == r.stdout


def test_key_risks_show_the_figure_for_patients_with_a_risk_factor(nelm, evidence_copy):
    tace = evidence_copy / "tace.yaml"
    text = tace.read_text(encoding="utf-8")
    study = """
  - id: burden-1
    source: musunuru-2006
    design: case-series
    loe: 4
    n: 40
    population: Synthetic series for the key-risks test.
    findings:
      - {outcome: morbidity, stat: proportion, value: 30, unit: "%", n: 10, subgroup: livers over 75% replaced,
         factor: high-tumour-burden}
"""
    outcomes = evidence_copy / "outcomes.yaml"
    outcomes.write_text(
        outcomes.read_text(encoding="utf-8")
        + "factors:\n  - {id: high-tumour-burden, label: a liver mostly replaced by tumour}\n",
        encoding="utf-8",
    )
    tace.write_text(text + study, encoding="utf-8")
    rows = json.loads(nelm("compare", "tace", "rfa", "-f", "json", evidence=evidence_copy).stdout)["results"]
    risks = next(r for r in rows if r["row"] == "Key risks")["tace"]
    assert risks[0]["factor"] == "high-tumour-burden"
    assert risks[0]["figure"].startswith(
        "With a liver mostly replaced by tumour: Morbidity: livers over 75% replaced: 30%"
    )
    tace.write_text(text + study.replace("high-tumour-burden}", "no-such-factor}"), encoding="utf-8")
    bad = nelm("validate", evidence=evidence_copy)
    assert bad.code == 1 and "factor: unknown factor 'no-such-factor'" in bad.stderr


def test_columns_that_only_repeat_a_filter_are_left_out(nelm):
    header = nelm("studies", "-m", "rfa", "-f", "tsv").stdout.splitlines()[0].split("\t")
    assert "modality" not in header and "outcome" in header
    header = nelm("studies", "-m", "rfa", "-o", "os", "-f", "tsv").stdout.splitlines()[0].split("\t")
    assert "modality" not in header and "outcome" not in header
    assert "modality" in nelm("studies", "-f", "tsv").stdout.splitlines()[0].split("\t")
    assert nelm("studies", "-m", "rfa", "--fields", "modality,study", "-f", "tsv").stdout.startswith("modality\tstudy")
