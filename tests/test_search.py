"""nelm search: every word (or a synonym) as a whole word in one record, --author, synonyms.yaml."""

from __future__ import annotations

import json
import textwrap

import pytest

from nelm.evidence.load import load, shipped_dir
from nelm.evidence.validate.synonyms import term_key

SYNONYMS = """\
schema: nelm/2
kind: synonyms
groups:
  - terms: [whipple, pancreaticoduodenectomy]
    implies: [bilioenteric anastomosis]
    note: the reconstruction joins the bile duct to the bowel
  - terms: [bilioenteric anastomosis, choledochoenteric anastomosis]
  - terms: [hepaticojejunostomy]
    implies: [bilioenteric anastomosis]
  - terms: [choledochojejunostomy]
    implies: [bilioenteric anastomosis]
  - terms: [rfa, radiofrequency ablation]
"""

LONG = "Padding words about nothing in particular " * 4

TOPIC = f"""\
schema: nelm/2
kind: topic
id: search-notes
name: Search notes
reviewed: "2026-01-01"
summary: Text for the search tests.
statements:
  - {{topic: risk, sources: [zacharias-2022], text: A choledochoenteric anastomosis raises the risk of abscess.}}
  - {{topic: risk, sources: [zacharias-2022], text: Patients with a hepaticojejunostomy were left out.}}
  - {{topic: risk, sources: [zacharias-2022], text: A pancreaticoduodenectomy came first.}}
  - {{topic: risk, sources: [zacharias-2022], text: Choledochojejunostomy happened once.}}
  - {{topic: risk, sources: [zacharias-2022], text: Words like rfaxyz and prerfa are not the treatment.}}
  - {{topic: risk, sources: [zacharias-2022], text: Two liver abscesses and one crisis of flushing.}}
  - {{topic: risk, sources: [zacharias-2022], text: Des métastases hépatiques du grêle.}}
  - {{topic: risk, sources: [liver-metastases-qa], text: {LONG}then a radiofrequency ablation; {LONG}}}
  - {{topic: risk, sources: [zacharias-2022], text: Most had small-bowel primaries.}}
"""


@pytest.fixture
def folder(evidence_copy):
    """The fixture evidence plus a synonym table and a topic with known text."""
    (evidence_copy / "synonyms.yaml").write_text(SYNONYMS, encoding="utf-8")
    (evidence_copy / "search-notes.yaml").write_text(TOPIC, encoding="utf-8")
    return evidence_copy


def hits(nelm, *args, evidence=None):
    r = nelm("search", *args, "-f", "json", evidence=evidence)
    assert r.code == 0, r.stderr
    return json.loads(r.stdout)["results"]


def texts(nelm, folder, *args):
    return [h["text"] for h in hits(nelm, *args, evidence=folder) if h["modality"] == "search-notes"]


# -- matching -------------------------------------------------------------------------------
def test_synonyms_and_implications_find_each_other_but_not_siblings(nelm, folder):
    found = texts(nelm, folder, "Whipple")
    assert found == [
        "A choledochoenteric anastomosis raises the risk of abscess.",  # implied, via its group
        "A pancreaticoduodenectomy came first.",  # a synonym
    ]
    # a bilioenteric anastomosis is found from each kind of it, and finds each kind ...
    assert len(texts(nelm, folder, "bilioenteric anastomosis")) == 4
    # ... but one kind never finds another: hepaticojejunostomy is not a choledochojejunostomy
    assert texts(nelm, folder, "hepaticojejunostomy") == [
        "A choledochoenteric anastomosis raises the risk of abscess.",
        "Patients with a hepaticojejunostomy were left out.",
    ]


def test_every_word_in_any_order_in_one_record(nelm, folder):
    one = texts(nelm, folder, "abscess anastomosis")
    assert (
        one
        == texts(nelm, folder, "ANASTOMOSIS abscess")
        == ["A choledochoenteric anastomosis raises the risk of abscess."]
    )
    assert texts(nelm, folder, "abscess first") == []  # each word, not either
    assert texts(nelm, folder, "abscess", "anastomosis") == one  # unquoted words


def test_whole_words_only(nelm, folder):
    assert texts(nelm, folder, "rfa") == [f"{LONG}then a radiofrequency ablation; {LONG}".strip()]
    assert texts(nelm, folder, "rfaxy") == []
    assert texts(nelm, folder, "anastom") == []


def test_plurals_accents_and_hyphens(nelm, folder):
    assert texts(nelm, folder, "abscess") == texts(nelm, folder, "abscesses")
    assert len(texts(nelm, folder, "abscess")) == 2
    assert texts(nelm, folder, "metastase hepatique grele") == ["Des métastases hépatiques du grêle."]
    assert (
        texts(nelm, folder, "small bowel") == texts(nelm, folder, "Small-Bowel") == ["Most had small-bowel primaries."]
    )
    assert texts(nelm, folder, "bowel small") == ["Most had small-bowel primaries."]
    assert texts(nelm, folder, "smallbowel") == []


def test_hit_names_modality_study_field_and_citation_and_json_keeps_the_line(nelm, folder):
    (hit,) = [h for h in hits(nelm, "flushing", evidence=folder) if h["modality"] == "search-notes"]
    assert (hit["study"], hit["field"], hit["citation"]) == ("statement", "text", "Zacharias 2022")
    assert hit["location"] == f"{folder / 'search-notes.yaml'}:13"
    assert hit["matched"] == ["flushing"]
    study = next(h for h in hits(nelm, "gelatin powder", evidence=folder) if h["study"] == "pdq-2014-gelatin-powder")
    assert (study["modality"], study["field"], study["citation"]) == ("embolization", "population", "PDQ 2014, summary")
    assert study["location"].startswith(f"{folder / 'embolization.yaml'}:")


def test_table_shortens_the_text_around_the_match_and_tsv_keeps_it_whole(nelm, folder):
    (hit,) = [h for h in hits(nelm, "radiofrequency", evidence=folder) if h["modality"] == "search-notes"]
    assert (
        hit["snippet"] == "...nothing in particular then a radiofrequency ablation; Padding words about nothing in..."
    )
    table = nelm("search", "radiofrequency", "-f", "table", env={"COLUMNS": "300"}, evidence=folder).stdout
    assert any(hit["snippet"] + " " in line for line in table.splitlines())
    assert LONG.strip() not in table
    tsv = nelm("search", "radiofrequency", "-f", "tsv", "--fields", "study,text", evidence=folder).stdout
    assert tsv.splitlines()[-1] == "statement\t" + f"{LONG}then a radiofrequency ablation; {LONG}".strip()


def test_author_matches_surnames_of_cited_sources(nelm, folder):
    by = texts(nelm, folder, "--author", "ZACHARIAS")
    assert len(by) == 8
    assert texts(nelm, folder, "abscess", "--author", "zacharias") == [by[0], by[5]]
    assert texts(nelm, folder, "--author", "zachar") == []  # a whole surname
    assert texts(nelm, folder, "--author", "Wascher")[0].startswith("Padding")
    refs = [h for h in hits(nelm, "--author", "ahmed", evidence=folder) if h["study"] == "reference"]
    assert [h["citation"] for h in refs] == ["Zacharias 2022"]  # a co-author counts


def test_no_match_is_a_note_and_exit_0(nelm, folder):
    r = nelm("search", "zzzz qqqq", evidence=folder)
    assert (r.code, r.stdout, r.stderr) == (
        0,
        "modality\tstudy\tfield\ttext\tcitation\n",
        "nelm: no matches for 'zzzz qqqq'\n",
    )
    r = nelm("search", "abscess qqqq", evidence=folder)  # one word missing is no match
    assert r.code == 0 and r.stderr == "nelm: no matches for 'abscess qqqq'\n"
    r = nelm("search", "--author", "nobody", evidence=folder)
    assert r.code == 0 and r.stderr == "nelm: no matches for by nobody\n"


@pytest.mark.parametrize("args", [[" - "], ["--author", " "], []])
def test_empty_query_is_a_usage_error(nelm, folder, args):
    r = nelm("search", *args, evidence=folder)
    assert r.code == 2 and r.stdout == "" and "empty" in r.stderr


# -- the shipped synonym table ---------------------------------------------------------------
def test_whipple_finds_the_bilioenteric_anastomosis_records(nelm):
    found = hits(nelm, "Whipple")
    words = ("anastomosis", "jejunostomy", "pancreaticoduodenectomy")
    assert found and all(any(w in h["text"].lower() for w in words) for h in found)
    assert {"embolization", "microwave", "tace", "rfa"} <= {h["modality"] for h in found}
    assert not any("whipple" in h["text"].lower() for h in found)  # the evidence never says it


def test_carcinoid_finds_small_bowel_and_midgut_records(nelm):
    found = hits(nelm, "carcinoid")
    words = [h["matched"] for h in found]
    assert any("midgut" in w for w in words) and any(
        x.lower() in ("small-bowel", "small bowel") for w in words for x in w
    )
    assert hits(nelm, "carcinoid") == hits(nelm, "midgut")


def test_sirt_finds_radioembolization(nelm):
    found = hits(nelm, "SIRT")
    assert any("radioembolization" in " ".join(h["matched"]).lower() for h in found)
    assert any("yttrium-90" in " ".join(h["matched"]).lower() for h in found)
    assert len(found) == len(hits(nelm, "tare")) == len(hits(nelm, "radioembolisation")) > 10


def test_shipped_synonyms_hold_the_groups_the_issue_names():
    table = {term_key(t): g for g in load().synonyms for t in g.terms}
    assert table["whipple"] is table["pancreaticoduodenectomy"]
    assert "bilioenteric anastomosis" in table["whipple"].implies
    assert table["carcinoid"] is table["small bowel"] is table["midgut"]
    assert table["sirt"] is table["tare"] is table["radioembolization"]
    assert "radioembolization" in table["y 90"].implies
    assert (shipped_dir() / "synonyms.yaml").is_file()


# -- validation of synonyms.yaml ---------------------------------------------------------------
BAD = {
    "unknown-field": (
        "  - terms: [a]\n    note: x\n    notes: y\n",
        6,
        "groups[0].notes: unknown field; did you mean 'note'? (allowed: terms, implies, note)",
    ),
    "empty-list": ("  - terms: []\n", 4, "groups[0].terms: empty list (expected at least one term)"),
    "empty-term": ('  - terms: [a, " -- "]\n', 4, "groups[0].terms[1]: empty term (a term needs letters or digits)"),
    "missing-terms": ("  - note: x\n", 4, "groups[0].terms: missing (expected a list of terms)"),
    "not-a-list": ("  - terms: whipple\n", 4, "groups[0].terms: expected a list of terms, got str 'whipple'"),
    "duplicate": (
        "  - terms: [Small Bowel]\n  - terms: [midgut,\n      small-bowel]\n",
        6,
        "groups[1].terms[1]: term 'small-bowel' is listed twice (also at {file}:4)",
    ),
    "implies-own-term": (
        "  - terms: [sirt, tare]\n    implies: [TARE]\n",
        5,
        "groups[0].implies: 'TARE' is a term of this group (a group implies other terms)",
    ),
}


@pytest.mark.parametrize("name", BAD)
def test_synonyms_are_validated_strictly(nelm, evidence_copy, name):
    body, line, message = BAD[name]
    path = evidence_copy / "synonyms.yaml"
    path.write_text("schema: nelm/2\nkind: synonyms\ngroups:\n" + body, encoding="utf-8")
    r = nelm("validate", evidence=evidence_copy)
    assert r.code == 1
    assert f"{path}:{line}: {message.format(file=path)}\n" in r.stderr, r.stderr
    r = nelm("search", "liver", evidence=evidence_copy)
    assert r.code == 1 and r.stdout == ""


def test_synonyms_file_needs_groups_and_no_other_keys(nelm, evidence_copy):
    path = evidence_copy / "synonyms.yaml"
    path.write_text(textwrap.dedent("schema: nelm/2\nkind: synonyms\nterms: [a]\n"), encoding="utf-8")
    err = nelm("validate", evidence=evidence_copy).stderr
    assert f"{path}:3: terms: unknown field" in err
    assert f"{path}:1: groups: missing (expected a list of synonym groups)" in err
