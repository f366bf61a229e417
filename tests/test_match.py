"""`nelm match`: the example cases (tests/cases/*.yaml, each written from the sources of the rules
it exercises), the evaluator's semantics, the rule sources, profile errors and the output formats.

The expected verdicts below are per modality, with the rules that fired: a changed verdict names
the rule and, through it, the source that decided it (`nelm match -p tests/cases/NAME.yaml`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nelm.analysis.match import VERDICTS, evaluate, match, verdict_of
from nelm.evidence.criteria import RULE_SOURCE_KINDS
from nelm.evidence.load import load
from nelm.evidence.patient import FIELDS, read_profile

CASES = Path(__file__).resolve().parent / "cases"

EXPECTED = {
    "burden-60": {
        "microwave": ("candidate", ["mwa-unresectable"]),
        "rfa": ("candidate", ["rfa-unresectable"]),
        "transplant": ("candidate", ["transplant-unresectable"]),
        "embolization": ("caution", ["tae-unresectable", "tae-burden-over-50"]),
        "resection": ("caution", ["resection-unresectable"]),
        "tace": ("caution", ["tace-unresectable", "tace-burden-over-50"]),
        "radioembolization": ("caution", ["y90-unresectable", "y90-burden-over-50"]),
        "cryoablation": ("insufficient-information", []),
        "ethanol-injection": ("insufficient-information", []),
    },
    "cryo-large": {
        "cryoablation": ("caution", ["cryo-4cm-or-more"]),
        "embolization": ("insufficient-information", []),
        "ethanol-injection": ("insufficient-information", []),
        "microwave": ("insufficient-information", []),
        "resection": ("insufficient-information", []),
        "rfa": ("insufficient-information", []),
        "tace": ("insufficient-information", []),
        "transplant": ("insufficient-information", []),
        "radioembolization": ("insufficient-information", []),
    },
    "cryo-small": {
        "cryoablation": ("candidate", ["cryo-under-4cm"]),
        "tace": ("caution", ["tace-biliary-stent"]),
        "embolization": ("insufficient-information", []),
        "ethanol-injection": ("insufficient-information", []),
        "microwave": ("insufficient-information", []),
        "resection": ("insufficient-information", []),
        "rfa": ("insufficient-information", []),
        "transplant": ("insufficient-information", []),
        "radioembolization": ("insufficient-information", []),
    },
    "empty": {
        "cryoablation": ("insufficient-information", []),
        "embolization": ("insufficient-information", []),
        "ethanol-injection": ("insufficient-information", []),
        "microwave": ("insufficient-information", []),
        "resection": ("insufficient-information", []),
        "rfa": ("insufficient-information", []),
        "tace": ("insufficient-information", []),
        "transplant": ("insufficient-information", []),
        "radioembolization": ("insufficient-information", []),
    },
    "extrahepatic-transplant": {
        "microwave": ("candidate", ["mwa-unresectable"]),
        "rfa": ("candidate", ["rfa-unresectable"]),
        "embolization": ("caution", ["tae-unresectable", "tae-extrahepatic"]),
        "tace": ("caution", ["tace-unresectable", "tace-extrahepatic"]),
        "transplant": ("caution", ["transplant-unresectable", "transplant-extrahepatic"]),
        "resection": ("caution", ["resection-unresectable", "resection-extrahepatic"]),
        "radioembolization": ("caution", ["y90-unresectable", "y90-extrahepatic"]),
        "cryoablation": ("insufficient-information", []),
        "ethanol-injection": ("insufficient-information", []),
    },
    "good-reserve": {
        "embolization": ("candidate", ["tae-unresectable"]),
        "microwave": ("candidate", ["mwa-unresectable"]),
        "rfa": ("candidate", ["rfa-unresectable"]),
        "tace": ("candidate", ["tace-unresectable"]),
        "transplant": ("candidate", ["transplant-unresectable"]),
        "resection": ("caution", ["resection-unresectable"]),
        "radioembolization": ("caution", ["y90-unresectable", "y90-performance-status"]),
        "cryoablation": ("insufficient-information", []),
        "ethanol-injection": ("insufficient-information", []),
    },
    "high-shunt": {
        "embolization": ("candidate", ["tae-unresectable"]),
        "microwave": ("candidate", ["mwa-unresectable"]),
        "rfa": ("candidate", ["rfa-unresectable"]),
        "tace": ("candidate", ["tace-unresectable"]),
        "transplant": ("candidate", ["transplant-unresectable"]),
        "resection": ("caution", ["resection-unresectable"]),
        "cryoablation": ("insufficient-information", []),
        "ethanol-injection": ("insufficient-information", []),
        "radioembolization": ("not-suitable", ["y90-unresectable", "y90-lung-shunt-over-20", "y90-lung-shunt-10"]),
    },
    "low-shunt-fit": {
        "embolization": ("candidate", ["tae-unresectable"]),
        "microwave": ("candidate", ["mwa-unresectable"]),
        "radioembolization": ("candidate", ["y90-unresectable"]),
        "rfa": ("candidate", ["rfa-unresectable"]),
        "tace": ("candidate", ["tace-unresectable"]),
        "transplant": ("candidate", ["transplant-unresectable"]),
        "resection": ("caution", ["resection-unresectable"]),
        "cryoablation": ("insufficient-information", []),
        "ethanol-injection": ("insufficient-information", []),
    },
    "massive-burden": {
        "microwave": ("candidate", ["mwa-unresectable"]),
        "rfa": ("candidate", ["rfa-unresectable"]),
        "transplant": ("candidate", ["transplant-unresectable"]),
        "resection": ("caution", ["resection-unresectable"]),
        "embolization": ("caution", ["tae-unresectable", "tae-burden-over-70", "tae-burden-over-50"]),
        "tace": ("caution", ["tace-unresectable", "tace-burden-over-70", "tace-burden-over-50", "tace-burden-over-75"]),
        "radioembolization": ("caution", ["y90-unresectable", "y90-burden-over-50"]),
        "cryoablation": ("insufficient-information", []),
        "ethanol-injection": ("insufficient-information", []),
    },
    "moderate-shunt": {
        "embolization": ("candidate", ["tae-unresectable"]),
        "microwave": ("candidate", ["mwa-unresectable"]),
        "rfa": ("candidate", ["rfa-unresectable"]),
        "tace": ("candidate", ["tace-unresectable"]),
        "transplant": ("candidate", ["transplant-unresectable"]),
        "radioembolization": ("caution", ["y90-unresectable", "y90-lung-shunt-10"]),
        "resection": ("caution", ["resection-unresectable"]),
        "cryoablation": ("insufficient-information", []),
        "ethanol-injection": ("insufficient-information", []),
    },
    "poor-reserve": {
        "microwave": ("candidate", ["mwa-unresectable"]),
        "rfa": ("candidate", ["rfa-unresectable"]),
        "transplant": ("candidate", ["transplant-unresectable"]),
        "resection": ("caution", ["resection-unresectable"]),
        "embolization": ("caution", ["tae-unresectable", "tae-bilirubin", "tae-albumin", "tae-performance-status"]),
        "tace": (
            "caution",
            [
                "tace-unresectable",
                "tace-portal-vein-thrombosis",
                "tace-bilirubin",
                "tace-albumin",
                "tace-performance-status",
                "tace-age-over-70",
            ],
        ),
        "radioembolization": (
            "caution",
            ["y90-unresectable", "y90-bilirubin", "y90-performance-status", "y90-age-over-70"],
        ),
        "cryoablation": ("insufficient-information", []),
        "ethanol-injection": ("insufficient-information", []),
    },
    "resectable-small-bowel": {
        "resection": ("candidate", ["resection-resectable"]),
        "cryoablation": ("caution", ["cryo-under-4cm", "cryo-resectable"]),
        "embolization": ("caution", ["tae-resectable"]),
        "microwave": ("caution", ["mwa-resectable"]),
        "rfa": ("caution", ["rfa-resectable"]),
        "tace": ("caution", ["tace-resectable"]),
        "transplant": ("caution", ["transplant-resectable"]),
        "radioembolization": ("caution", ["y90-resectable"]),
        "ethanol-injection": ("insufficient-information", []),
    },
    "transplant-high-grade": {
        "microwave": ("candidate", ["mwa-unresectable"]),
        "rfa": ("candidate", ["rfa-unresectable"]),
        "embolization": ("caution", ["tae-unresectable", "tae-grade-3"]),
        "resection": ("caution", ["resection-unresectable"]),
        "tace": ("caution", ["tace-unresectable", "tace-grade-3"]),
        "transplant": (
            "caution",
            [
                "transplant-unresectable",
                "transplant-grade-3",
                "transplant-ki67",
                "transplant-primary-in-place",
            ],
        ),
        "radioembolization": ("caution", ["y90-unresectable", "y90-grade-3"]),
        "cryoablation": ("insufficient-information", []),
        "ethanol-injection": ("insufficient-information", []),
    },
    "transplant-milan-like": {
        "embolization": ("candidate", ["tae-unresectable"]),
        "microwave": ("candidate", ["mwa-unresectable"]),
        "rfa": ("candidate", ["rfa-unresectable"]),
        "tace": ("candidate", ["tace-unresectable"]),
        "transplant": ("candidate", ["transplant-unresectable"]),
        "radioembolization": ("candidate", ["y90-unresectable"]),
        "resection": ("caution", ["resection-unresectable"]),
        "cryoablation": ("insufficient-information", []),
        "ethanol-injection": ("insufficient-information", []),
    },
    "whipple-arterial": {
        "transplant": ("candidate", ["transplant-unresectable"]),
        "radioembolization": ("candidate", ["y90-unresectable"]),
        "embolization": ("caution", ["tae-unresectable", "tae-bilioenteric-anastomosis"]),
        "microwave": ("caution", ["mwa-unresectable", "mwa-bilioenteric-anastomosis"]),
        "resection": ("caution", ["resection-unresectable"]),
        "rfa": ("caution", ["rfa-unresectable", "rfa-bilioenteric-anastomosis"]),
        "tace": ("caution", ["tace-unresectable", "tace-bilioenteric-anastomosis"]),
        "cryoablation": ("insufficient-information", []),
        "ethanol-injection": ("insufficient-information", []),
    },
}


@pytest.fixture(scope="module")
def shipped():
    return load()


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_each_example_case_gets_its_expected_verdicts_and_reasons(shipped, case):
    results = match(shipped, read_profile(str(CASES / f"{case}.yaml")))
    got = {r.modality.id: (r.verdict, [c.id for c in r.fired]) for r in results}
    assert got == EXPECTED[case]
    assert list(got) == list(EXPECTED[case])  # most suitable first


def test_the_cases_exercise_every_rule_on_both_sides_and_every_verdict(shipped):
    profiles = [read_profile(str(p)) for p in sorted(CASES.glob("*.yaml"))]
    assert len(profiles) >= 12
    rules = [r for m in shipped.treatments for r in m.criteria]
    assert rules
    for rule in rules:
        outcomes = {rule.when.holds(p) for p in profiles}
        assert True in outcomes, f"no case fires {rule.id}"
        assert False in outcomes, f"no case gives {rule.when.field} without firing {rule.id}"
    verdicts = {v for case in EXPECTED.values() for v, _ in case.values()}
    assert verdicts == set(VERDICTS)


def test_every_rule_rests_on_a_guideline_consensus_or_study_in_the_bibliography(shipped):
    for m in shipped.treatments:
        for rule in m.criteria:
            assert rule.sources, rule.id
            for sid in rule.sources:
                assert sid in shipped.sources, (rule.id, sid)
                assert shipped.sources[sid].type in RULE_SOURCE_KINDS, (rule.id, sid, shipped.sources[sid].type)
            assert rule.reason and rule.loc is not None


def test_every_profile_field_is_documented(shipped):
    doc = (Path(__file__).resolve().parent.parent / "docs" / "match.md").read_text(encoding="utf-8")
    for f in FIELDS:
        assert f"`{f.name}`" in doc, f.name


# -- the evaluator -------------------------------------------------------------------------------
def _rule(rid: str, field: str, op: str, value, verdict: str):
    from nelm.evidence.model import Criterion
    from nelm.evidence.patient import Condition

    return Criterion(rid, Condition(field, op, value), verdict, "why", ("s",))


def test_the_most_severe_verdict_decides_and_nothing_fired_is_insufficient_information():
    cand = _rule("a", "resectable", "absent", None, "candidate")
    caut = _rule("b", "burden_pct", ">", 70, "caution")
    bad = _rule("c", "lung_shunt_pct", ">", 20, "not-suitable")
    assert verdict_of([]) == "insufficient-information"
    assert verdict_of([cand]) == "candidate"
    assert verdict_of([cand, caut]) == "caution"
    assert verdict_of([caut]) == "caution"
    assert verdict_of([cand, caut, bad]) == "not-suitable"


def test_unknown_fields_are_listed_only_when_they_could_change_the_verdict():
    from nelm.evidence.model import Modality

    m = Modality(
        "x",
        "X",
        "modality",
        "",
        criteria=(
            _rule("x-unres", "resectable", "absent", None, "candidate"),
            _rule("x-shunt", "lung_shunt_pct", ">", 20, "not-suitable"),
            _rule("x-age", "age", ">", 70, "caution"),
            _rule("x-grade", "grade", "in", ("G3",), "caution"),
        ),
    )
    result = evaluate(m, {"resectable": "no", "age": 75})
    assert result.verdict == "caution"
    assert [c.id for c in result.fired] == ["x-unres", "x-age"]
    # grade G3 would give caution again: not listed; the shunt could make it not-suitable.
    assert result.missing == [{"field": "lung_shunt_pct", "could_give": ["not-suitable"], "rules": ["x-shunt"]}]
    assert evaluate(m, {}).missing[0]["field"] == "resectable"
    # thresholds are strict where the rule says so: 70 is not > 70
    assert [c.id for c in evaluate(m, {"resectable": "no", "age": 70}).fired] == ["x-unres"]


# -- the command -----------------------------------------------------------------------------------
def test_match_json_has_the_documented_shape(nelm):
    r = nelm("match", "-p", str(CASES / "whipple-arterial.yaml"), "-f", "json", evidence=None)
    assert r.code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["command"] == "match" and doc["schema_version"] == 2
    assert doc["profile"]["bilioenteric_anastomosis"] == "yes" and doc["profile"]["burden_pct"] == 30
    first = doc["results"][0]
    assert set(first) >= {"modality", "verdict", "reasons", "risks", "missing"}
    reason = first["reasons"][0]
    assert set(reason) >= {"rule", "text", "verdict", "sources", "citation", "condition"}
    by_id = {x["modality"]: x for x in doc["results"]}
    # the anastomosis risk for every arterial option, Y-90 included: a figure or "no NET data" text
    for mid in ("tace", "embolization", "radioembolization"):
        risks = [k for k in by_id[mid]["risks"] if k["factor"] == "bilioenteric-anastomosis"]
        assert risks, mid
        assert risks[0]["net_data"] or risks[0]["statements"]


def test_flags_override_the_profile_file(nelm, tmp_path):
    case = tmp_path / "case.yaml"
    case.write_text("resectable: no\nlung_shunt_pct: 25\n", encoding="utf-8")
    args = ("match", "radioembolization", "-p", str(case), "-f", "json")
    assert json.loads(nelm(*args, evidence=None).stdout)["results"][0]["verdict"] == "not-suitable"
    lowered = json.loads(nelm(*args, "--lung-shunt-pct", "5", evidence=None).stdout)
    assert lowered["profile"]["lung_shunt_pct"] == 5
    assert lowered["results"][0]["verdict"] == "candidate"
    cleared = json.loads(nelm(*args, "--lung-shunt-pct", "unknown", evidence=None).stdout)
    assert cleared["profile"] == {"resectable": "no"}


@pytest.mark.parametrize(
    ("args", "content", "message"),
    [
        (("--ki67", "140"), None, "nelm: error: --ki67: 140 is out of range; accepted: a number from 0 to 100 (%)"),
        (
            ("--burden-pct", "-5"),
            None,
            "nelm: error: --burden-pct: -5 is out of range; accepted: a number from 0 to 100 (%)",
        ),
        (("--grade", "G4"), None, "nelm: error: --grade: 'G4' is not accepted; accepted: G1, G2, G3"),
        (("--ecog", "1.5"), None, "nelm: error: --ecog: '1.5' is not accepted; accepted: a whole number from 0 to 4"),
        (
            (),
            "resectable: no\nburden: 40\n",
            "nelm: error: {file}:2: unknown profile field 'burden' (did you mean 'burden_pct'?)",
        ),
        (
            (),
            "ki67: high\n",
            "nelm: error: {file}:1: ki67: 'high' is not accepted; accepted: a number from 0 to 100 (%)",
        ),
        (
            (),
            "age: true\n",
            "nelm: error: {file}:1: age: True is not accepted; accepted: a number from 0 to 120 (years)",
        ),
        ((), "- resectable\n", "nelm: error: {file}: a profile is a mapping of field: value (see nelm match --help)"),
        ((), "grade: [G1, G2]\n", "nelm: error: {file}:1: grade: expected one value, got a list or mapping"),
    ],
)
def test_an_invalid_profile_is_a_usage_error_naming_the_field(nelm, tmp_path, args, content, message):
    extra: tuple[str, ...] = ()
    case = tmp_path / "case.yaml"
    if content is not None:
        case.write_text(content, encoding="utf-8")
        extra = ("-p", str(case))
    r = nelm("match", *args, *extra, evidence=None)
    assert r.code == 2
    assert r.stderr.splitlines() == [message.format(file=case)]
    assert r.stdout == ""


def test_the_terminal_view_fits_80_columns_and_marks_each_reason(nelm):
    r = nelm("match", "-p", str(CASES / "whipple-arterial.yaml"), "-f", "table", env={"COLUMNS": "80"}, evidence=None)
    assert r.code == 0
    lines = r.stdout.splitlines()
    assert max(len(x) for x in lines) <= 80
    assert lines[0].startswith("Options for this patient")
    assert "1. Liver transplantation: CANDIDATE" in lines
    assert "2. Radioembolization (Y-90, SIRT): CANDIDATE" in lines
    assert any(x.strip().startswith("! [bilioenteric_anastomosis: yes]") for x in lines)


def test_tabular_formats_have_one_row_per_reason_risk_or_missing_field(nelm):
    r = nelm("match", "tace", "--resectable", "no", "--burden-pct", "80", "-f", "tsv", evidence=None)
    rows = [line.split("\t") for line in r.stdout.splitlines()]
    assert rows[0] == ["option", "verdict", "item", "text", "citation"]
    items = [row[2] for row in rows[1:]]
    assert items.count("caution") == 3 and items.count("candidate") == 1
    assert any(
        row[2] == "risk with more than 75% of the liver replaced by tumour" and "Kitano 2016" in row[3] for row in rows
    )


# -- rules are validated like every other record -----------------------------------------------------
RULE = """
criteria:
  - id: tace-test
    field: {field}
    op: "{op}"
    {value}
    verdict: {verdict}
    reason: A test rule.
    sources: [{source}]
"""


@pytest.mark.parametrize(
    ("kw", "problem"),
    [
        ({"field": "burden"}, "criteria[0].field: unknown profile field 'burden' (see nelm match --help)"),
        ({"op": "~"}, "criteria[0].op: '~' is not allowed (expected one of: <, <=, >, >=, ==, in, present, absent)"),
        ({"field": "bilobar", "op": "present"}, "criteria[0].value: 'present' takes no value"),
        ({"value": "value: 140"}, "criteria[0].value: 140 is out of range (expected 0 to 100)"),
        ({"value": "value: lots"}, "criteria[0].value: expected a number, got str 'lots'"),
        (
            {"field": "grade", "op": "==", "value": "value: G4"},
            "criteria[0].value: 'G4' is not allowed (expected one of: G1, G2, G3)",
        ),
        (
            {"field": "bilobar"},
            "criteria[0].op: '>' does not apply to bilobar (yes-no; expected one of: present, absent)",
        ),
        (
            {"verdict": "maybe"},
            "criteria[0].verdict: 'maybe' is not allowed (expected one of: candidate, caution, not-suitable)",
        ),
        (
            {"source": "liver-metastases-qa"},
            "criteria[0].sources: 'liver-metastases-qa' is a patient-information: a selection criterion rests on a"
            " guideline, consensus or study (guideline, consensus, original, systematic-review, meta-analysis,"
            " trial-protocol)",
        ),
    ],
)
def test_a_broken_rule_is_reported_with_file_line_and_field(nelm, evidence_copy, kw, problem):
    fields = {"field": "burden_pct", "op": ">", "value": "value: 70", "verdict": "caution", "source": "musunuru-2006"}
    fields.update(kw)
    path = evidence_copy / "tace.yaml"
    path.write_text(path.read_text(encoding="utf-8") + RULE.format(**fields), encoding="utf-8")
    r = nelm("validate", evidence=evidence_copy)
    assert r.code == 1
    lines = path.read_text(encoding="utf-8").splitlines()
    found = [line for line in r.stderr.splitlines() if line.endswith(problem)]
    assert found, r.stderr
    line_no = int(found[0].split(":")[1])
    key = problem.split(":")[0].split(".")[-1]
    assert lines[line_no - 1].lstrip(" -").startswith(key + ":") or key == "value", (line_no, found)


def test_a_valid_rule_loads_and_a_factor_when_is_checked_too(nelm, evidence_copy):
    fields = {"field": "burden_pct", "op": ">", "value": "value: 70", "verdict": "caution", "source": "musunuru-2006"}
    path = evidence_copy / "tace.yaml"
    path.write_text(path.read_text(encoding="utf-8") + RULE.format(**fields), encoding="utf-8")
    assert nelm("validate", evidence=evidence_copy).code == 0
    out = evidence_copy / "outcomes.yaml"
    text = out.read_text(encoding="utf-8")
    out.write_text(
        text + "factors:\n  - {id: big-liver, label: big, when: {field: burden_pct, op: '>', value: 500}}\n",
        encoding="utf-8",
    )
    r = nelm("validate", evidence=evidence_copy)
    assert r.code == 1 and "factors[0].when.value: 500 is out of range (expected 0 to 100)" in r.stderr


def test_show_lists_the_criteria_with_their_sources(nelm):
    page = nelm("show", "radioembolization", "-s", "criteria", "-f", "table", env={"COLUMNS": "100"}, evidence=None)
    assert page.code == 0
    assert "not-suitable when lung_shunt_pct > 20%" in page.stdout.replace("\n  ", " ")
    assert "\n[1] " in page.stdout  # the criteria's sources, numbered
    default = nelm("show", "radioembolization", "-f", "table", evidence=None).stdout
    assert "selection criteria for nelm match: --section criteria" in default
    doc = json.loads(nelm("show", "radioembolization", "-f", "json", evidence=None).stdout)
    rule = next(r for r in doc["results"][0]["criteria"] if r["rule"] == "y90-lung-shunt-over-20")
    assert rule["verdict"] == "not-suitable" and rule["sources"] == ["acar-2016-shunt-prrt-case"]


def test_an_empty_profile_says_so_on_stderr_and_still_answers(nelm):
    r = nelm("match", "-f", "json", evidence=None)
    assert r.code == 0
    assert r.stderr.startswith("nelm: no patient fields given")
    assert {x["verdict"] for x in json.loads(r.stdout)["results"]} == {"insufficient-information"}
