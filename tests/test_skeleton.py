"""Issue 2: package, evidence format, validating loader, first commands, aliases."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import FIXTURE_EVIDENCE

SEVEN = ["cryoablation", "embolization", "radioembolization", "resection", "rfa", "tace", "transplant"]


def test_shipped_evidence_validates(nelm):
    r = nelm("validate", evidence=None)
    assert r.code == 0, r.stderr
    assert "ok:" in r.stderr and r.stdout == ""


def test_fixture_evidence_validates(nelm):
    assert nelm("validate").code == 0


def test_installed_script_lists_seven_modalities_from_another_directory(sh):
    r = sh("list", evidence=None)
    assert r.code == 0, r.stderr
    ids = [line.split("\t")[0] for line in r.stdout.splitlines()[1:]]
    assert set(SEVEN) <= set(ids)


def test_installed_script_finds_packaged_evidence(sh):
    r = sh("validate", evidence=None)
    assert r.code == 0, r.stderr


def test_python_dash_m(tmp_path):
    p = subprocess.run([sys.executable, "-m", "nelm", "--version"], capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout.startswith("nelm ")


def test_compare_tace_rfa_has_seed_figures(sh):
    r = sh("compare", "tace", "rfa", "--detail", "-f", "table", env={"COLUMNS": "160"})
    assert r.code == 0, r.stderr
    assert "92%" in r.stdout and "70%" in r.stdout  # RFA symptom relief, two response levels
    assert "71%" in r.stdout  # TACE biochemical response
    summary = sh("compare", "tace", "rfa", "-f", "table", env={"COLUMNS": "160"})
    assert "Biochemical" in summary.stdout and "Evidence base" in summary.stdout
    assert "Key risks" in summary.stdout and "no NET data" in summary.stdout


def test_compare_cells_carry_n_and_citation(nelm):
    r = nelm("compare", "tace", "rfa", "-f", "json")
    rows = {row["row"]: row for row in json.loads(r.stdout)["results"]}
    biochem = rows["Biochemical response"]["tace"][0]
    assert biochem["value"] == 71 and biochem["n"] == 66 and biochem["citation"].startswith("PDQ 2014")
    assert [c["figure"] for c in rows["Biochemical response"]["rfa"]] == ["no NET data"]


def test_show_lists_findings_with_sources(nelm):
    r = nelm("show", "resection", "-f", "json")
    prof = json.loads(r.stdout)["results"][0]
    assert prof["id"] == "resection"
    assert any("15%" in f["figure"] for f in prof["findings"])  # fewer than 15% resectable
    assert all(f["source"] for f in prof["findings"])
    assert prof["indications"] and prof["contraindications"]


@pytest.mark.parametrize(
    "alias,expected",
    [
        ("y90", "radioembolization"),
        ("SIRT", "radioembolization"),
        ("tare", "radioembolization"),
        ("tae", "embolization"),
        ("HAE", "embolization"),
        ("bland", "embolization"),
        ("chemoembolization", "tace"),
        ("hace", "tace"),
        ("surgery", "resection"),
        ("Hepatectomy", "resection"),
        ("ltx", "transplant"),
        ("OLT", "transplant"),
        ("RFA", "rfa"),
    ],
)
def test_aliases(nelm, alias, expected):
    r = nelm("show", alias, "-f", "json")
    assert r.code == 0, r.stderr
    assert json.loads(r.stdout)["results"][0]["id"] == expected


def test_unknown_modality_is_usage_error_with_suggestion(nelm):
    r = nelm("show", "tacee")
    assert r.code == 2
    assert r.stderr.strip() == "nelm: error: unknown modality 'tacee' (did you mean 'tace'?)"


def test_seed_qualitative_statements_present(nelm):
    out = nelm("search", "disappointing").stdout + nelm("search", "few trials").stdout
    assert "transplant" in out.lower() or "Liver transplantation" in out
    assert "cryo" in out.lower()


# -- invalid evidence: each class gives exit 1 and FILE:LINE: messages, no traceback ------------
def _write(evidence_copy, name, text):
    (evidence_copy / name).write_text(text, encoding="utf-8")
    return evidence_copy / name


STUDY = """schema: nelm/2
kind: modality
id: rfa
name: RFA
category: ablative
reviewed: "2026-01-01"
summary: test
studies:
  - id: t-1
    source: {source}
    design: case-series
    loe: 4
    n: 10
    population: test
    findings:
      - outcome: {outcome}
        stat: proportion
        value: {value}
        unit: "%"
        n: 10
"""


@pytest.mark.parametrize(
    "text,line,needle",
    [
        ("schema: nelm/2\nkind: modality\nid: [rfa\nname: x\n", 4, "YAML syntax error"),
        (
            STUDY.format(source="musunuru-2006", outcome="morbidity", value='"ten"'),
            18,
            "findings[0].value: expected a number",
        ),
        (STUDY.format(source="musunuru-2006", outcome="mortalty", value=5), 16, "unknown outcome 'mortalty'"),
        (STUDY.format(source="nobody-2020", outcome="morbidity", value=5), 10, "unknown source 'nobody-2020'"),
        (
            STUDY.format(source="musunuru-2006", outcome="morbidity", value=5).replace(
                "    n: 10\n", "    n: 10\n    n: 12\n"
            ),
            14,
            "duplicate key 'n'",
        ),
        (STUDY.format(source="musunuru-2006", outcome="morbidity", value=150), 18, "not a percentage"),
    ],
    ids=["syntax", "wrong-type", "unknown-outcome", "missing-source", "duplicate-key", "range"],
)
def test_invalid_evidence(nelm, sh, evidence_copy, text, line, needle):
    path = _write(evidence_copy, "rfa.yaml", text)
    for run in (nelm, sh):
        r = run("validate", evidence=evidence_copy)
        assert r.code == 1
        assert "Traceback" not in r.stderr
        assert f"{path}:{line}: " in r.stderr and needle in r.stderr, r.stderr
        r = run("list", evidence=evidence_copy)
        assert r.code == 1 and f"{path}:{line}: " in r.stderr and r.stdout == ""


def test_all_problems_are_collected(nelm, evidence_copy):
    text = STUDY.format(source="nobody-2020", outcome="mortalty", value=150)
    _write(evidence_copy, "rfa.yaml", text)
    r = nelm("validate", evidence=evidence_copy)
    lines = [x for x in r.stderr.splitlines() if x.startswith(str(evidence_copy))]
    assert len(lines) >= 3


def test_validate_given_file(nelm, evidence_copy):
    path = _write(evidence_copy, "rfa.yaml", STUDY.format(source="musunuru-2006", outcome="morbidity", value=5))
    assert nelm("validate", str(path), evidence=FIXTURE_EVIDENCE).code == 0
    bad = _write(evidence_copy, "rfa.yaml", STUDY.format(source="musunuru-2006", outcome="morbidity", value=-5))
    r = nelm("validate", str(bad), evidence=FIXTURE_EVIDENCE)
    assert r.code == 1 and "not a percentage" in r.stderr


@pytest.mark.parametrize(
    "snippet,needle",
    [
        ('      - {outcome: os, stat: proportion, value: 50, unit: "%"}\n', "needs a timepoint"),
        (
            '      - {outcome: morbidity, stat: proportion, value: 5, unit: "%", n: 10, events: 11}\n',
            "events 11 exceed n 10",
        ),
        (
            '      - {outcome: morbidity, stat: proportion, value: 5, unit: "%", ci: [6, 9]}\n',
            "does not contain the value",
        ),
        ('      - {outcome: morbidity, stat: proportion, value: 5, unit: "%", p: 1.5}\n', "out of range"),
        (
            '      - {outcome: morbidity, stat: proportion, value: 5, unit: "%", arm: nope}\n',
            "not an arm of this study",
        ),
        ('      - {outcome: morbidity, stat: proportion, value: 5, unit: "%", n: 20}\n', "exceeds the study's n"),
        ('      - {outcome: orr, stat: proportion, value: 5, unit: "%"}\n', "criteria"),
        ('      - {outcome: morbidity, stat: proportion, value: 5, unit: "%", colour: red}\n', "unknown field"),
        ('      - {outcome: morbidity, stat: proportoin, value: 5, unit: "%"}\n', "did you mean 'proportion'"),
    ],
)
def test_finding_rules(nelm, evidence_copy, snippet, needle):
    text = STUDY.format(source="musunuru-2006", outcome="morbidity", value=5).split("      - outcome")[0] + snippet
    _write(evidence_copy, "rfa.yaml", text)
    r = nelm("validate", evidence=evidence_copy)
    assert r.code == 1 and needle in r.stderr, r.stderr


@pytest.mark.parametrize(
    ("extra", "code", "needle"),
    [
        ("    not_stated: [period, tumor_types]\n", 0, ""),
        ("    not_stated: [n]\n", 1, "'n' is given and listed as not stated"),
        ("    not_stated: [colour]\n", 1, "not_stated"),
    ],
)
def test_study_facts_declared_not_stated(nelm, evidence_copy, extra, code, needle):
    text = STUDY.format(source="musunuru-2006", outcome="morbidity", value=5).replace(
        "    findings:", extra + "    findings:"
    )
    _write(evidence_copy, "rfa.yaml", text)
    r = nelm("validate", evidence=evidence_copy)
    assert r.code == code and needle in r.stderr, r.stderr


def test_finding_without_a_stated_denominator_does_not_borrow_the_study_n(nelm, evidence_copy):
    text = STUDY.format(source="musunuru-2006", outcome="morbidity", value=5).replace(
        "        n: 10\n", "        n: null\n"
    )
    _write(evidence_copy, "rfa.yaml", text)
    r = nelm("studies", "-m", "rfa", "-f", "json", evidence=evidence_copy)
    rec = next(x for x in json.loads(r.stdout)["results"] if x["study"] == "t-1")
    assert rec["n_stated"] is False and "n not stated" in rec["figure"] and "n=10" not in rec["figure"]


def test_study_page_url_overrides_the_source_url(nelm, evidence_copy):
    page = "https://example.org/table3"
    text = STUDY.format(source="musunuru-2006", outcome="morbidity", value=5).replace(
        "    findings:", f"    url: {page}\n    findings:"
    )
    _write(evidence_copy, "rfa.yaml", text)
    rec = json.loads(nelm("studies", "-m", "rfa", "-f", "json", evidence=evidence_copy).stdout)["results"][0]
    assert rec["read_url"] == page
    bad = text.replace(page, "ftp://x")
    _write(evidence_copy, "rfa.yaml", bad)
    assert "url" in nelm("validate", evidence=evidence_copy).stderr


def test_guideline_grade_is_kept_with_its_position(nelm, evidence_copy):
    text = STUDY.format(source="musunuru-2006", outcome="morbidity", value=5).replace(
        "studies:",
        "statements:\n  - {topic: role, text: Refer to a centre., sources: [musunuru-2006], grade: Level 5 grade D}\nstudies:",
    )
    _write(evidence_copy, "rfa.yaml", text)
    prof = json.loads(nelm("show", "rfa", "-f", "json", evidence=evidence_copy).stdout)["results"][0]
    assert prof["statements"][0]["grade"] == "Level 5 grade D"
    rows = nelm("show", "rfa", "--section", "statements", "-f", "tsv", evidence=evidence_copy).stdout
    assert "Refer to a centre. (grade: Level 5 grade D)" in rows


TWO_ARMS = """    arms:
      - {id: a, label: transplant, modality: [rfa]}
      - {id: b, label: no transplant}
    findings:
      - {outcome: os, arm: a, vs: b, stat: mean, value: 6.8, unit: months, n: null, time_origin: unstated}
      - {outcome: os, arm: b, stat: proportion, value: 50.9, unit: "%", timepoint: 5y, n: null, time_origin: unstated}
      - {outcome: os, arm: a, vs: b, stat: proportion, value: 97.2, unit: "%", timepoint: 5y, p: 0.001, n: null,
         time_origin: unstated}
"""


def test_comparator_value_is_shown_only_for_the_same_kind_of_figure(nelm, evidence_copy):
    text = STUDY.format(source="musunuru-2006", outcome="morbidity", value=5).split("    findings:")[0] + TWO_ARMS
    _write(evidence_copy, "rfa.yaml", text)
    figures = [
        r["figure"]
        for r in json.loads(nelm("studies", "-m", "rfa", "-f", "json", evidence=evidence_copy).stdout)["results"]
    ]
    assert any(f.startswith("transplant: mean 6.8 mo") and "vs no transplant" in f and "50.9" not in f for f in figures)
    assert any("97.2%" in f and "vs 50.9% no transplant" in f for f in figures), figures


def test_unit_of_analysis_is_written_with_the_figure(nelm, evidence_copy):
    text = STUDY.format(source="musunuru-2006", outcome="morbidity", value=5) + "        unit_of_analysis: procedure\n"
    _write(evidence_copy, "rfa.yaml", text)
    rec = json.loads(nelm("studies", "-m", "rfa", "-f", "json", evidence=evidence_copy).stdout)["results"][0]
    assert rec["figure"].startswith("5% per procedure (")


def test_indirect_evidence_is_labelled_and_not_counted_as_net_patients(nelm, evidence_copy):
    text = STUDY.format(source="musunuru-2006", outcome="morbidity", value=5).replace(
        "    findings:", "    indirect: true\n    findings:"
    )
    _write(evidence_copy, "rfa.yaml", text)
    row = json.loads(nelm("list", "-f", "json", evidence=evidence_copy).stdout)["results"]
    rfa = next(r for r in row if r["id"] == "rfa")
    assert (rfa["studies"], rfa["indirect_studies"], rfa["patients"]) == (1, 1, 0)
    figure = json.loads(nelm("studies", "-m", "rfa", "-f", "json", evidence=evidence_copy).stdout)["results"][0]
    assert figure["indirect"] is True and "indirect evidence" in figure["figure"]


TECHNIQUES = """techniques:
  - {id: deb, label: drug-eluting bead TACE}
  - {id: ctace, label: lipiodol TACE}
"""


def _two_techniques() -> str:
    """Study t-1 on a drug-eluting-bead arm, study t-2 on a lipiodol arm, one figure each."""
    text = STUDY.format(source="musunuru-2006", outcome="morbidity", value=5).replace(
        "studies:", TECHNIQUES + "studies:"
    )
    text = text.replace(
        "    findings:", "    arms:\n      - {id: a, label: arm, modality: [rfa], technique: deb}\n    findings:"
    )
    text = text.replace('        unit: "%"', '        unit: "%"\n        arm: a')
    text += text.split("studies:\n")[1].replace("t-1", "t-2").replace("technique: deb", "technique: ctace")
    return text


def test_techniques_keep_their_figures_apart(nelm, evidence_copy):
    _write(evidence_copy, "rfa.yaml", _two_techniques())
    args = ("compare", "rfa", "tace", "-o", "morbidity", "--detail", "-f", "json")
    rows = json.loads(nelm(*args, evidence=evidence_copy).stdout)
    cell = rows["results"][-1]["rfa"]
    # the arm's label, then its technique: never folded together
    assert sorted(r["figure"].split(": ")[1] for r in cell) == ["drug-eluting bead TACE", "lipiodol TACE"]


def test_studies_filter_by_technique_and_net_only(nelm, evidence_copy):
    text = _two_techniques().replace("  - id: t-2\n", "  - id: t-2\n    indirect: true\n")
    _write(evidence_copy, "rfa.yaml", text)

    def ids(*args):
        r = nelm("studies", "-m", "rfa", *args, "-f", "json", evidence=evidence_copy)
        return sorted({x["study"] for x in json.loads(r.stdout)["results"]})

    assert ids("--technique", "deb") == ["t-1"]
    assert ids("--technique", "lipiodol TACE") == ["t-2"]
    assert "t-2" not in ids("--net-only")
    r = nelm("studies", "--technique", "dep", evidence=evidence_copy)
    assert r.code == 2 and "did you mean 'deb'" in r.stderr
    prof = json.loads(nelm("show", "rfa", "-f", "json", evidence=evidence_copy).stdout)["results"][0]
    assert [t["id"] for t in prof["techniques"]] == ["deb", "ctace"]


@pytest.mark.parametrize(
    ("technique", "needle"),
    [("dep", "unknown technique 'dep'; did you mean 'deb'?"), ("ctace", "")],
)
def test_technique_must_be_declared(nelm, evidence_copy, technique, needle):
    text = STUDY.format(source="musunuru-2006", outcome="morbidity", value=5).replace(
        "studies:", TECHNIQUES + "studies:"
    )
    text = text.replace(
        "    findings:",
        f"    arms:\n      - {{id: a, label: arm, modality: [rfa], technique: {technique}}}\n    findings:",
    )
    _write(evidence_copy, "rfa.yaml", text)
    r = nelm("validate", evidence=evidence_copy)
    assert (r.code == 1 and needle in r.stderr) if needle else r.code == 0, r.stderr


def test_bibliography_rules(nelm, evidence_copy):
    bib = (evidence_copy / "bibliography.yaml").read_text()
    bib += (
        '  - {id: bad-1, type: original, title: t, year: 2999, pmid: "12ab", doi: "11.1/x", url: ftp://x}\n'
        "  - {id: musunuru-2006, type: original, title: dup, doi: 10.1/x}\n"
        "  - {id: bad-2, type: original, title: t, read: abstract}\n"
    )
    (evidence_copy / "bibliography.yaml").write_text(bib)
    err = nelm("validate", evidence=evidence_copy).stderr
    for needle in ("out of range", "malformed", "defined twice", "has no url"):
        assert needle in err, (needle, err)


def test_figures_need_an_identified_source(nelm, evidence_copy):
    bib = (evidence_copy / "bibliography.yaml").read_text()
    bib += '  - {id: portal-page, type: original, title: t, url: "https://example.org/x", read: abstract}\n'
    (evidence_copy / "bibliography.yaml").write_text(bib)
    _write(evidence_copy, "rfa.yaml", STUDY.format(source="portal-page", outcome="morbidity", value=5))
    r = nelm("validate", evidence=evidence_copy)
    assert r.code == 1 and "figures need a source with a PMID or DOI" in r.stderr, r.stderr


def test_yaml_surprises_are_not_silent(nelm, evidence_copy):
    text = (
        STUDY.format(source="musunuru-2006", outcome="morbidity", value=5)
        .replace('reviewed: "2026-01-01"', "reviewed: 2026-01-01")
        .replace("population: test", "population: no")
    )
    _write(evidence_copy, "rfa.yaml", text)
    r = nelm("show", "rfa", "-f", "json", evidence=evidence_copy)
    assert r.code == 0, r.stderr
    prof = json.loads(r.stdout)["results"][0]
    assert prof["reviewed"] == "2026-01-01"  # a string, not a date object


def test_sexagesimal_is_not_a_number(nelm, evidence_copy):
    _write(evidence_copy, "rfa.yaml", STUDY.format(source="musunuru-2006", outcome="morbidity", value="1:20"))
    r = nelm("validate", evidence=evidence_copy)
    assert r.code == 1 and "'1:20'" in r.stderr


def test_modality_id_must_match_file_name(nelm, evidence_copy):
    text = (evidence_copy / "rfa.yaml").read_text().replace("id: rfa", "id: rfx", 1)
    _write(evidence_copy, "rfa.yaml", text)
    r = nelm("validate", evidence=evidence_copy)
    assert r.code == 1 and "does not match the file name" in r.stderr
