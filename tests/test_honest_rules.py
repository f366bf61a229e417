"""Every rule of the honest model (schema nelm/2, evidence/README.md): one broken fixture each and the
exact problem line `nelm validate` prints for it, plus the passing counterparts that mark its edge."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nelm.evidence import honest
from nelm.evidence.validate import vocabulary

ROLE = "(e.g. narrative-review, patient-information, institutional-page, news, payer-policy, congress-abstract)"
SUPPORT = "cite a peer-reviewed or guideline source too"

# Fixture lines broken below (each occurs once in its file).
RFA_MORBIDITY = (
    '{outcome: morbidity, stat: proportion, value: 5, unit: "%", n: 63, definition: Perioperative morbidity.}'
)
RFA_OS = "{outcome: os, time_origin: treatment, stat: median, value: 3.9, unit: years, n: 63,"
RFA_SYMPTOMS = "{outcome: symptom-response, response_level: any, subgroup: symptomatic patients,"
EMB_ORR = '{outcome: orr, stat: proportion, value: 42, unit: "%", n: 60, n_qualifier: more-than, criteria: unstated,'


def edit(evidence: Path, name: str, old: str, new: str) -> Path:
    """Replace the one occurrence of `old` in evidence/name by `new`."""
    path = evidence / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {name}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def append(evidence: Path, name: str, text: str) -> Path:
    path = evidence / name
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    """The 1-based number of the one line of `path` that contains `needle`."""
    found = [i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line]
    assert len(found) == 1, f"{needle!r} is on lines {found} of {path.name}"
    return found[0]


def problems(nelm, evidence: Path) -> list[str]:
    """The problem lines of `nelm validate`, which must fail with exit code 1."""
    r = nelm("validate", evidence=evidence)
    assert r.code == 1, (r.code, r.stdout, r.stderr)
    lines = r.stderr.splitlines()
    assert lines and lines[-1].startswith("nelm: error: the evidence has "), r.stderr
    return lines[:-1]


def passes(nelm, evidence: Path) -> None:
    r = nelm("validate", evidence=evidence)
    assert r.code == 0, r.stderr


def test_the_fixture_evidence_is_valid_nelm_2(nelm, evidence_copy):
    assert all("schema: nelm/2" in p.read_text(encoding="utf-8") for p in evidence_copy.glob("*.yaml"))
    passes(nelm, evidence_copy)


# -- subgroups and denominators ----------------------------------------------------------------
def test_a_finding_without_n(nelm, evidence_copy):
    f = edit(evidence_copy, "rfa.yaml", RFA_MORBIDITY, RFA_MORBIDITY.replace(" n: 63,", ""))
    line = line_of(f, "outcome: morbidity")
    assert problems(nelm, evidence_copy) == [
        f"{f}:{line}: studies[0].findings[2].n: missing"
        " (every figure states its own denominator, or n: null when the source gives none)"
    ]


def test_a_finding_with_n_null_says_the_source_gives_none(nelm, evidence_copy):
    edit(evidence_copy, "rfa.yaml", RFA_MORBIDITY, RFA_MORBIDITY.replace("n: 63,", "n: null,"))
    passes(nelm, evidence_copy)


def test_a_patient_figure_on_fewer_patients_than_the_study_names_its_subset(nelm, evidence_copy):
    f = edit(evidence_copy, "rfa.yaml", RFA_MORBIDITY, RFA_MORBIDITY.replace("n: 63", "n: 40"))
    line = line_of(f, "outcome: morbidity")
    assert problems(nelm, evidence_copy) == [
        f"{f}:{line}: studies[0].findings[2].n: n 40 is fewer than the study's 63 patients:"
        " name the subset with subgroup: (or the arm)"
    ]


@pytest.mark.parametrize(
    "named",
    ["n: 40, subgroup: patients with symptoms", "n: 40, unit_of_analysis: session", "n: 40, unit_of_analysis: lesion"],
)
def test_a_smaller_figure_is_fine_with_a_subgroup_or_another_unit(nelm, evidence_copy, named):
    edit(evidence_copy, "rfa.yaml", RFA_MORBIDITY, RFA_MORBIDITY.replace("n: 63", named))
    passes(nelm, evidence_copy)


def test_a_smaller_figure_is_fine_in_an_arm(nelm, evidence_copy):
    # musunuru-2006 (n 48): the surgery arm's figure on its 13 patients
    edit(
        evidence_copy,
        "resection.yaml",
        'arm: surgery, vs: medical-or-embolization, stat: proportion, value: 83, unit: "%", n: null,',
        'arm: surgery, vs: medical-or-embolization, stat: proportion, value: 83, unit: "%", n: 13,',
    )
    passes(nelm, evidence_copy)


def test_a_smaller_figure_is_fine_when_the_study_size_is_a_bound(nelm, evidence_copy):
    # pdq-2014-gelatin-powder has n: 60, n_qualifier: more-than: its size is not a count to compare with
    edit(evidence_copy, "embolization.yaml", EMB_ORR, EMB_ORR.replace("n: 60, n_qualifier: more-than,", "n: 30,"))
    passes(nelm, evidence_copy)


# -- what makes two figures the same measure ---------------------------------------------------
def test_a_survival_median_without_time_origin(nelm, evidence_copy):
    f = edit(evidence_copy, "rfa.yaml", RFA_OS, RFA_OS.replace(" time_origin: treatment,", ""))
    line = line_of(f, "{outcome: os,")
    assert problems(nelm, evidence_copy) == [
        f'{f}:{line}: studies[0].findings[4].time_origin: missing (this outcome\'s figures must say their time origin, or "unstated")'
    ]


@pytest.mark.parametrize("stat", ["mean", "proportion"])
def test_a_survival_mean_or_rate_without_time_origin(nelm, evidence_copy, stat):
    new = RFA_OS.replace(" time_origin: treatment,", "").replace("stat: median,", f"stat: {stat}, timepoint: 1y,")
    f = edit(
        evidence_copy, "rfa.yaml", RFA_OS, new.replace("unit: years", 'unit: "%"') if stat == "proportion" else new
    )
    line = line_of(f, "{outcome: os,")
    assert problems(nelm, evidence_copy) == [
        f'{f}:{line}: studies[0].findings[4].time_origin: missing (this outcome\'s figures must say their time origin, or "unstated")'
    ]


def test_time_origin_null_is_not_a_time_origin(nelm, evidence_copy):
    f = edit(evidence_copy, "rfa.yaml", RFA_OS, RFA_OS.replace("time_origin: treatment", "time_origin: null"))
    line = line_of(f, "{outcome: os,")
    assert problems(nelm, evidence_copy) == [
        f'{f}:{line}: studies[0].findings[4].time_origin: missing (this outcome\'s figures must say their time origin, or "unstated")'
    ]


def test_a_survival_count_needs_no_time_origin(nelm, evidence_copy):
    new = RFA_OS.replace(" time_origin: treatment,", "").replace(
        "stat: median, value: 3.9, unit: years", "stat: count, value: 20, unit: patients"
    )
    edit(evidence_copy, "rfa.yaml", RFA_OS, new)
    passes(nelm, evidence_copy)


def test_a_survival_percentage_without_timepoint(nelm, evidence_copy):
    new = RFA_OS.replace("stat: median, value: 3.9, unit: years", 'stat: proportion, value: 50, unit: "%"')
    f = edit(evidence_copy, "rfa.yaml", RFA_OS, new)
    line = line_of(f, "{outcome: os,")
    assert problems(nelm, evidence_copy) == [
        f"{f}:{line}: studies[0].findings[4].timepoint: missing (a survival percentage needs a timepoint such as 5y)"
    ]


def test_a_symptom_response_without_response_level(nelm, evidence_copy):
    f = edit(evidence_copy, "rfa.yaml", RFA_SYMPTOMS, RFA_SYMPTOMS.replace(" response_level: any,", ""))
    line = line_of(f, "{outcome: symptom-response, subgroup")
    assert problems(nelm, evidence_copy) == [
        f'{f}:{line}: studies[0].findings[0].response_level: missing (this outcome\'s figures must say their response level, or "unstated")'
    ]


def test_an_orr_without_criteria(nelm, evidence_copy):
    f = edit(evidence_copy, "embolization.yaml", EMB_ORR, EMB_ORR.replace(" criteria: unstated,", ""))
    line = line_of(f, "{outcome: orr, stat: proportion, value: 42")
    assert problems(nelm, evidence_copy) == [  # once, not twice
        f'{f}:{line}: studies[0].findings[1].criteria: missing (this outcome\'s figures must say their criteria, or "unstated")'
    ]


@pytest.mark.parametrize(
    ("old", "dim", "bad", "index", "choices"),
    [
        (RFA_OS, "time_origin", "surgery-date", 4, honest.TIME_ORIGINS),
        (RFA_SYMPTOMS, "response_level", "partial-or-more", 0, honest.RESPONSE_LEVELS),
    ],
)
def test_a_dimension_outside_its_values(nelm, evidence_copy, old, dim, bad, index, choices):
    new = re.sub(rf"{dim}: [a-z-]+", f"{dim}: {bad}", old)
    f = edit(evidence_copy, "rfa.yaml", old, new)
    assert problems(nelm, evidence_copy) == [
        f"{f}:{line_of(f, bad)}: studies[0].findings[{index}].{dim}: {bad!r} is not allowed"
        f" (expected one of: {', '.join(choices)})"
    ]


@pytest.mark.parametrize("stat", honest.LEGACY_STATS)
def test_a_head_to_head_statistic_is_not_a_finding(nelm, evidence_copy, stat):
    f = edit(evidence_copy, "rfa.yaml", RFA_MORBIDITY, RFA_MORBIDITY.replace("stat: proportion", f"stat: {stat}"))
    line = line_of(f, "outcome: morbidity")
    assert problems(nelm, evidence_copy) == [
        f"{f}:{line}: studies[0].findings[2].stat: {stat!r} is a head-to-head result:"
        " record it under the study's comparisons (measure, arms, direction)"
    ]


# -- head-to-head comparisons ------------------------------------------------------------------
# A valid comparison appended to musunuru-2006 (studies[3] of resection.yaml, comparisons[1]).
COMPARISON = {
    "outcome": "os",
    "measure": "hazard-ratio",
    "arm": "surgery",
    "vs": "medical",
    "value": "0.5",
    "ci": "[0.3, 0.9]",
    "p": "0.01",
    "adjusted": "false",
    "direction": "HR below 1 favours surgery",
    "n": "30",
}
CPATH = "studies[3].comparisons[1]"


def add_comparison(evidence: Path, **changes: str | None) -> Path:
    fields = {**COMPARISON, **changes}
    lines = [f"{k}: {v}" for k, v in fields.items() if v is not None]
    text = "      - " + "\n        ".join(lines) + "\n"
    return append(evidence, "resection.yaml", text)


def comparison_line(path: Path, key: str | None = None) -> int:
    """The line of the appended comparison (its first line when key is None)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = max(i for i, line in enumerate(lines) if line.startswith("      - ") and "{" not in line)
    if key is None:
        return start + 1
    return next(i for i in range(start, len(lines)) if lines[i].lstrip(" -").startswith(f"{key}:")) + 1


def test_a_valid_comparison_passes(nelm, evidence_copy):
    add_comparison(evidence_copy)
    passes(nelm, evidence_copy)


@pytest.mark.parametrize(
    "changes",
    [
        {"arm": None, "vs": None, "exposure": "surgery", "reference": "no surgery"},
        {"measure": "test", "value": None, "ci": None, "direction": None},
        {"measure": "risk-difference", "value": "-12", "ci": "[-20, -4]", "direction": "below 0 favours surgery"},
        {"measure": "odds-ratio", "value": "[0.4, 0.6]", "ci": None},
    ],
)
def test_comparison_variants_that_pass(nelm, evidence_copy, changes):
    add_comparison(evidence_copy, **changes)
    passes(nelm, evidence_copy)


@pytest.mark.parametrize(
    ("changes", "key", "field", "message"),
    [
        (
            {"vs": None},
            None,
            CPATH,
            "a comparison names both arms (arm: and vs:) or an exposure (exposure:, reference:)",
        ),
        (
            {"arm": None, "vs": None},
            None,
            CPATH,
            "a comparison names both arms (arm: and vs:) or an exposure (exposure:, reference:)",
        ),
        ({"exposure": "bile-duct dilatation"}, None, CPATH, "give either arms (arm:, vs:) or an exposure, not both"),
        ({"vs": "chemotherapy"}, "vs", f"{CPATH}.vs", "arm 'chemotherapy' is not an arm of this study"),
        ({"arm": "transplant"}, "arm", f"{CPATH}.arm", "arm 'transplant' is not an arm of this study"),
        (
            {"value": None, "ci": None},
            None,
            f"{CPATH}.value",
            "missing (a hazard-ratio needs its value; use measure: test for a p value alone)",
        ),
        (
            {"measure": "median-difference", "value": None, "ci": None},
            None,
            f"{CPATH}.value",
            "missing (a median-difference needs its value; use measure: test for a p value alone)",
        ),
        (
            {"measure": "test", "value": None, "ci": None, "p": None},
            None,
            f"{CPATH}.p",
            "missing (a test without an effect size needs its p value)",
        ),
        ({"value": "0", "ci": None}, "value", f"{CPATH}.value", "0 is not a valid ratio (expected above 0)"),
        (
            {"measure": "odds-ratio", "value": "-0.5", "ci": None},
            "value",
            f"{CPATH}.value",
            "-0.5 is not a valid ratio (expected above 0)",
        ),
        (
            {"measure": "relative-risk", "ci": "[-0.1, 0.9]"},
            "ci",
            f"{CPATH}.ci",
            "a ratio's interval cannot go below 0 (got -0.1)",
        ),
        ({"ci": "[0.6, 0.9]"}, "ci", f"{CPATH}.ci", "[0.6, 0.9] does not contain the value 0.5"),
        (
            {"measure": "risk-difference", "value": "-12", "ci": "[-10, -4]"},
            "ci",
            f"{CPATH}.ci",
            "[-10, -4] does not contain the value -12",
        ),
        ({"direction": None}, None, f"{CPATH}.direction", "missing (expected text)"),
        (
            {"measure": "rate-difference", "value": "5", "ci": None, "direction": None},
            None,
            f"{CPATH}.direction",
            "missing (expected text)",
        ),
        (
            {"outcome": "wellbeing"},
            "outcome",
            f"{CPATH}.outcome",
            "unknown outcome 'wellbeing' (add it to outcomes.yaml)",
        ),
        (
            {"zzq": "surgery"},
            "zzq",
            f"{CPATH}.zzq",
            f"unknown field (allowed: {', '.join(honest.COMPARISON_FIELDS)})",
        ),
        (
            {"measure": "survival-gain", "ci": None},
            "measure",
            f"{CPATH}.measure",
            f"'survival-gain' is not allowed (expected one of: {', '.join(honest.MEASURES)})",
        ),
        ({"measure": None}, None, f"{CPATH}.measure", f"missing (expected one of: {', '.join(honest.MEASURES)})"),
        ({"outcome": None}, None, f"{CPATH}.outcome", "missing (expected text)"),
    ],
)
def test_a_broken_comparison(nelm, evidence_copy, changes, key, field, message):
    f = add_comparison(evidence_copy, **changes)
    assert problems(nelm, evidence_copy) == [f"{f}:{comparison_line(f, key)}: {field}: {message}"]


def test_a_comparison_alone_is_enough_for_a_study(nelm, evidence_copy):
    # musunuru-2006-embolization has comparisons and no findings; without both it is empty
    f = evidence_copy / "embolization.yaml"
    text = f.read_text(encoding="utf-8")
    f.write_text(text[: text.rindex("    comparisons:")], encoding="utf-8")
    line = line_of(f, "- id: musunuru-2006-embolization")
    assert problems(nelm, evidence_copy) == [
        f"{f}:{line}: studies[3].findings: missing (a study needs at least one finding or comparison)"
    ]


# -- cohorts, reviews and tumour mix -----------------------------------------------------------
RFA_STUDY = "    tumor_types: [carcinoid, mixed]\n"


def test_cohort_includes_and_tumor_mix_that_pass(nelm, evidence_copy):
    edit(
        evidence_copy,
        "rfa.yaml",
        RFA_STUDY,
        RFA_STUDY
        + "    cohort: rfa-prospective-63\n"
        + "    includes: [musunuru-2006-embolization, zacharias-2022]\n"
        + "    tumor_mix: {carcinoid: 36, pancreatic: 18, medullary-thyroid: 9}\n",
    )
    passes(nelm, evidence_copy)


def test_includes_an_unknown_study_or_source(nelm, evidence_copy):
    f = edit(evidence_copy, "rfa.yaml", RFA_STUDY, RFA_STUDY + "    includes: [zacharias-2022, eriksson-2008]\n")
    assert problems(nelm, evidence_copy) == [
        f"{f}:{line_of(f, 'includes:')}: studies[0].includes: unknown study or source 'eriksson-2008'"
    ]


def test_cohort_is_text(nelm, evidence_copy):
    f = edit(evidence_copy, "rfa.yaml", RFA_STUDY, RFA_STUDY + "    cohort: [a, b]\n")
    assert problems(nelm, evidence_copy) == [
        f"{f}:{line_of(f, 'cohort:')}: studies[0].cohort: expected text, got a list"
    ]


def test_tumor_mix_above_the_study_n(nelm, evidence_copy):
    f = edit(evidence_copy, "rfa.yaml", RFA_STUDY, RFA_STUDY + "    tumor_mix: {carcinoid: 36, pancreatic: 30}\n")
    assert problems(nelm, evidence_copy) == [
        f"{f}:{line_of(f, 'tumor_mix:')}: studies[0].tumor_mix: counts add up to 66, more than the study's n 63"
    ]


def test_tumor_mix_above_a_bound_study_n_passes(nelm, evidence_copy):
    # pdq-2014-gelatin-powder: "more than 60" patients
    old = "    n_qualifier: more-than\n    tumor_types: [carcinoid]\n"
    edit(evidence_copy, "embolization.yaml", old, old + "    tumor_mix: {carcinoid: 70}\n")
    passes(nelm, evidence_copy)


@pytest.mark.parametrize(
    ("mix", "field", "message"),
    [
        ("{carcinoid: 36.5}", "tumor_mix.carcinoid", "expected a whole number, got float 36.5"),
        ("{carcinoid: many}", "tumor_mix.carcinoid", "expected a whole number, got str 'many'"),
        ("{carcinoid: -3}", "tumor_mix.carcinoid", "-3 is out of range (expected at least 0)"),
        ("[carcinoid, pancreatic]", "tumor_mix", "expected a mapping, got a list"),
    ],
)
def test_tumor_mix_counts_are_whole_numbers(nelm, evidence_copy, mix, field, message):
    f = edit(evidence_copy, "rfa.yaml", RFA_STUDY, RFA_STUDY + f"    tumor_mix: {mix}\n")
    assert problems(nelm, evidence_copy) == [f"{f}:{line_of(f, 'tumor_mix:')}: studies[0].{field}: {message}"]


# -- source kinds ------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", honest.LEGACY_SOURCE_TYPES)
def test_a_legacy_source_kind(nelm, evidence_copy, kind):
    f = edit(evidence_copy, "bibliography.yaml", "    type: summary\n", f"    type: {kind}\n")
    assert problems(nelm, evidence_copy) == [
        f"{f}:{line_of(f, f'type: {kind}')}: sources[0].type: {kind!r} is a nelm/1 kind: say what the source is {ROLE}"
    ]


def test_an_unknown_source_kind(nelm, evidence_copy):
    f = edit(evidence_copy, "bibliography.yaml", "    type: summary\n", "    type: leaflet\n")
    assert problems(nelm, evidence_copy) == [
        f"{f}:{line_of(f, 'type: leaflet')}: sources[0].type: 'leaflet' is not allowed"
        f" (expected one of: {', '.join(vocabulary.SOURCE_TYPES)})"
    ]


RFA_INDICATION = "    sources: [expert-rev-unresectable-netlm-2012, pdq-carcinoid-hepatic-2014]\n"


@pytest.mark.parametrize(
    ("sources", "kinds"),
    [
        ("[pdq-carcinoid-hepatic-2014]", "summary"),
        ("[liver-metastases-qa]", "patient-information"),
        ("[pdq-carcinoid-hepatic-2014, liver-metastases-qa]", "patient-information, summary"),
    ],
)
def test_an_indication_needs_a_peer_reviewed_or_guideline_source(nelm, evidence_copy, sources, kinds):
    f = edit(evidence_copy, "rfa.yaml", RFA_INDICATION, f"    sources: {sources}\n")
    assert problems(nelm, evidence_copy) == [
        f"{f}:{line_of(f, f'sources: {sources}')}: indications[0].sources: supported only by {kinds}: {SUPPORT}"
    ]


def test_a_contraindication_needs_a_peer_reviewed_or_guideline_source(nelm, evidence_copy):
    old = "    kind: relative\n    sources: [expert-rev-unresectable-netlm-2012]\n"
    f = edit(evidence_copy, "resection.yaml", old, "    kind: relative\n    sources: [liver-metastases-qa]  # broken\n")
    line = line_of(f, "# broken")
    assert problems(nelm, evidence_copy) == [
        f"{f}:{line}: contraindications[0].sources: supported only by patient-information: {SUPPORT}"
    ]


def test_one_supporting_source_is_enough_and_statements_are_not_held_to_it(nelm, evidence_copy):
    edit(evidence_copy, "rfa.yaml", RFA_INDICATION, "    sources: [zacharias-2022, liver-metastases-qa]\n")
    edit(
        evidence_copy,
        "rfa.yaml",
        "    sources: [expert-rev-unresectable-netlm-2012, zacharias-2022]\n",
        "    sources: [liver-metastases-qa]\n",
    )
    passes(nelm, evidence_copy)


# -- outcome vocabulary ------------------------------------------------------------------------
OS_OUTCOME = "{id: os, dimensions: [time_origin], core: true,"


def test_an_unknown_dimension(nelm, evidence_copy):
    f = edit(evidence_copy, "outcomes.yaml", OS_OUTCOME, OS_OUTCOME.replace("[time_origin]", "[time_origin, stage]"))
    assert problems(nelm, evidence_copy) == [
        f"{f}:{line_of(f, '{id: os,')}: outcomes[0].dimensions: 'stage' is not allowed"
        f" (expected one of: {', '.join(honest.DIMENSIONS)})"
    ]


@pytest.mark.parametrize(("core", "got"), [("1", "int 1"), ('"true"', "str 'true'")])
def test_core_is_boolean(nelm, evidence_copy, core, got):
    f = edit(evidence_copy, "outcomes.yaml", OS_OUTCOME, OS_OUTCOME.replace("core: true", f"core: {core}"))
    assert problems(nelm, evidence_copy) == [
        f"{f}:{line_of(f, '{id: os,')}: outcomes[0].core: expected true or false, got {got}"
    ]


def test_orr_declares_its_criteria(nelm, evidence_copy):
    """The rule 'a tumour response states its criteria' lives in outcomes.yaml: keep it there."""
    from nelm.evidence.load import load

    for ev in (load(), load([evidence_copy])):
        assert "criteria" in ev.outcomes["orr"].dimensions


# -- schema and dates --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("schema", "message"),
    [
        (
            "schema: nelm/1",
            "'nelm/1' is the format before the honest model: migrate the file to nelm/2"
            " (subgroups, own denominators, comparisons; see evidence/README.md)",
        ),
        ("schema: nelm/3", "'nelm/3' is not supported (expected 'nelm/2')"),
        ("", "missing (expected schema: nelm/2)"),
    ],
)
def test_the_schema_is_nelm_2(nelm, evidence_copy, schema, message):
    f = edit(evidence_copy, "rfa.yaml", "schema: nelm/2\n", schema + "\n")
    assert problems(nelm, evidence_copy) == [f"{f}:1: schema: {message}"]


@pytest.mark.parametrize(
    ("date", "message"),
    [
        ("2999-01-01", "2999-01-01 is in the future"),
        ("2026-02-30", "2026-02-30 is not a calendar date"),
        ("2026-13-01", "2026-13-01 is not a calendar date"),
        ("2026-1-5", "'2026-1-5' is malformed (expected a date YYYY-MM-DD)"),
    ],
)
@pytest.mark.parametrize("key", ["reviewed", "searched"])
def test_review_and_search_dates(nelm, evidence_copy, key, date, message):
    old = 'reviewed: "2026-11-22"\n'
    f = edit(evidence_copy, "rfa.yaml", old, f'{key}: "{date}"\n' if key == "reviewed" else f'{old}{key}: "{date}"\n')
    assert problems(nelm, evidence_copy) == [f"{f}:{line_of(f, f'{key}: ')}: {key}: {message}"]


def test_a_past_search_date_passes(nelm, evidence_copy):
    edit(evidence_copy, "rfa.yaml", 'reviewed: "2026-11-22"\n', 'reviewed: "2026-11-22"\nsearched: "2026-11-20"\n')
    passes(nelm, evidence_copy)


# -- the shipped evidence ----------------------------------------------------------------------
AUTHOR_YEAR = re.compile(r"^[A-Z][^\s]*( [A-Z][^\s]*)* \d{4}(, [a-z ]+)?( via .+ \d{4}(, [a-z ]+)?)?$")

# Sources whose short citation is not author-year: each one is listed in curation/README.md because
# no readable page gives its authors/year. Source id -> the label nelm prints for it.
EXCEPTIONS: dict[str, str] = {
    "mayo-2010": "Mayo",  # no year printed in the excerpt read
    "middlesex-rfa-net-abdom-imaging": "Abdom Imaging",  # neither authors nor year
    "sposito-2017": "Sposito",  # year not printed in the part read
    "surgical-mwa-397-nelm": "surgical-mwa-397-nelm",  # aggregator page: no authors, journal or year
    "taner-2013": "HPB (Oxford) 2013",  # no authors on the page read
    "vinzant-2021": "Vinzant",  # the journal page prints no year
}


def test_every_shipped_citation_is_author_year():
    from nelm.analysis.figures import citation
    from nelm.evidence.load import load

    ev = load()
    bad: dict[str, str] = {}
    used: set[str] = set()
    for mod in ev.modalities.values():
        for study in mod.studies:
            text = citation(ev, study)
            if AUTHOR_YEAR.match(text):
                continue
            key = study.source if study.via in (None, study.source) else f"{study.source} via {study.via}"
            if EXCEPTIONS.get(key) == text:
                used.add(key)
            else:
                bad[key] = text
    assert not bad, f"citations that are not author-year: {bad}"
    assert used == set(EXCEPTIONS), f"exceptions that no longer occur: {sorted(set(EXCEPTIONS) - used)}"


def test_every_shipped_source_kind_is_a_nelm_2_kind():
    from nelm.evidence.load import load

    nelm_2 = set(vocabulary.SOURCE_TYPES) - set(honest.LEGACY_SOURCE_TYPES)
    assert nelm_2 == set(honest.SUPPORTING) | {
        "registry-record",
        "congress-abstract",
        "summary",
        "patient-information",
        "institutional-page",
        "news",
        "payer-policy",
    }
    odd = {s.id: s.type for s in load().sources.values() if s.type not in nelm_2}
    assert not odd, odd


def test_the_complete_example_in_evidence_readme_validates(nelm, tmp_path):
    from conftest import ROOT

    readme = (ROOT / "evidence" / "README.md").read_text(encoding="utf-8")
    example = readme.split("## A complete example", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "rfa.yaml").write_text(example, encoding="utf-8")
    r = nelm("validate", str(tmp_path / "rfa.yaml"), evidence=None)
    assert r.code == 0, r.stderr


# Every cited source whose page gives no author (or corporate author) or no year: each is listed in
# curation/README.md ("Bibliography gaps"), so that a new gap fails here and a filled one is removed.
SOURCE_GAPS = {
    "ahbps-2022-netlm-extent", "ajco-2012-resection-cryo-nenhm", "ann-intern-med-1988-islet-embolization", "apjco-2016-hae-net",
    "bcbs-cryo-liver-policy", "cancer-1995-cryotherapy-net", "carcinoids-de-ethanol",
    "clevelandclinic-nelm-ablation-outcomes", "ddi-2021-tare-mnet-review", "digestion-2003-tace",
    "dir-2015-resin-netlm", "eurjradiol-2018-y90-net-sr", "expert-rev-unresectable-netlm-2012",
    "french-met-lt-2008", "gep-net-lt-selection-2006", "goteborg-net-lt-annals", "hannover-net-lt-ki67-2002",
    "igr-2009-hepatectomy-rfa-15-lm", "ijh-2012-netlm-treatment-review", "io360-lung-shunt-net",
    "jclinanesth-2022-cryoshock-case", "jgh-2017-y90-net-single-centre", "karzinoidtumore-de-ethanol",
    "kim-zimmerman-hong-jgo-review", "liver-metastases-qa", "ludwig-lsf-net-prospective", "mayo-2010",
    "memon-2012-net-y90", "middlesex-rfa-net-abdom-imaging", "bjs-2009-hae-midgut-carcinoid", "net-liver-metastases-consensus-2015",
    "nhse-sirt-commissioning", "nice-ipg786-overview-2023", "pancreas-2018-captemy90", "reliasmedia-memon-commentary", "sposito-2017",
    "surgical-mwa-397-nelm", "taner-2013", "torzilli-pei-review", "two-step-det-lm-2008", "unos-net-lt-2011", "vinzant-2021",
    "world-j-surg-2001-net-ablation-review",
}  # fmt: skip


def test_every_cited_source_has_authors_and_a_year_or_is_a_listed_gap():
    from conftest import ROOT

    from nelm.evidence.load import load

    ev = load()
    cited = {s.source for s in ev.studies()} | {s.via for s in ev.studies() if s.via}
    for m in ev.modalities.values():
        for item in (*m.indications, *m.contraindications, *m.statements):
            cited |= set(item.sources)
    gaps = {
        sid
        for sid in cited
        if sid in ev.sources
        and not ((ev.sources[sid].authors or ev.sources[sid].corporate_author) and ev.sources[sid].year)
    }
    assert gaps == SOURCE_GAPS, (sorted(gaps - SOURCE_GAPS), sorted(SOURCE_GAPS - gaps))
    backlog = (ROOT / "curation" / "README.md").read_text(encoding="utf-8")
    assert all(sid in backlog for sid in SOURCE_GAPS)
