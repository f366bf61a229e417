"""Issue 3: the output contract for terminals and shell pipelines."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURE_EVIDENCE, nelm_script

GOLDEN = Path(__file__).resolve().parent / "golden"
FORMATS = ["table", "json", "jsonl", "csv", "tsv", "markdown"]
COMMANDS = {"list": ["list"], "compare": ["compare", "tace", "rfa"], "studies": ["studies"]}


def check_golden(name: str, text: str) -> None:
    text = text.replace(str(FIXTURE_EVIDENCE), "<evidence>")  # locations are absolute paths
    path = GOLDEN / name
    if os.environ.get("NELM_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden {name}; run with NELM_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"output differs from {path}"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("cmd", list(COMMANDS))
def test_golden(nelm, cmd, fmt):
    r = nelm(*COMMANDS[cmd], "-f", fmt, env={"COLUMNS": "120"})
    assert r.code == 0, r.stderr
    check_golden(f"{cmd}.{fmt}", r.stdout)


@pytest.mark.parametrize("cmd", list(COMMANDS))
def test_json_round_trip(nelm, cmd):
    doc = json.loads(nelm(*COMMANDS[cmd], "-f", "json").stdout)
    assert doc["schema_version"] == 2 and doc["command"] == cmd
    assert doc["count"] == len(doc["results"]) > 0
    lines = nelm(*COMMANDS[cmd], "-f", "jsonl").stdout.splitlines()
    assert [json.loads(x) for x in lines] == doc["results"]


def test_json_numbers_stay_numbers(nelm):
    rows = json.loads(nelm("studies", "-f", "json").stdout)["results"]
    biochem = next(r for r in rows if r["outcome"] == "biochemical-response" and r["value"] == 71)
    assert biochem["n"] == 66 and isinstance(biochem["value"], int)
    ranged = next(r for r in rows if r["value_max"] is not None)
    assert ranged["value"] < ranged["value_max"]
    assert any(r["p"] is None for r in rows)  # missing values are null


@pytest.mark.parametrize("cmd", list(COMMANDS))
def test_csv_and_tsv_parse(nelm, cmd):
    csv_rows = list(csv.reader(io.StringIO(nelm(*COMMANDS[cmd], "-f", "csv").stdout)))
    tsv_rows = [line.split("\t") for line in nelm(*COMMANDS[cmd], "-f", "tsv").stdout.splitlines()]
    assert len(csv_rows) == len(tsv_rows) > 1
    assert all(len(r) == len(csv_rows[0]) for r in csv_rows)
    assert all(len(r) == len(tsv_rows[0]) for r in tsv_rows)


def test_csv_quotes_commas_and_newlines(nelm):
    out = nelm("list", "--fields", "id,name", "-f", "csv").stdout
    assert '"Radioembolization (Y-90, SIRT)"' in out
    assert "\r\n" not in out


def test_non_terminal_default_is_tsv_with_header(sh):
    r = sh("list")
    assert r.stdout.splitlines()[0].split("\t")[:3] == ["id", "studies", "patients"]
    assert "\x1b[" not in r.stdout and "┃" not in r.stdout and "│" not in r.stdout


def test_fields_select_columns_and_keys(nelm):
    r = nelm("studies", "--fields", "study,value,n", "-f", "csv")
    assert r.stdout.splitlines()[0] == "study,value,n"
    doc = json.loads(nelm("studies", "--fields", "study,value", "-f", "json").stdout)
    assert all(set(x) == {"study", "value"} for x in doc["results"])


def test_no_headers(nelm):
    assert not nelm("list", "--no-headers").stdout.startswith("id\t")


def test_empty_result_is_success_with_note(nelm):
    r = nelm("studies", "--min-n", "100000", "-f", "json")
    assert r.code == 0 and json.loads(r.stdout)["results"] == [] and "nelm:" in r.stderr
    r = nelm("studies", "--min-n", "100000")
    assert r.code == 0 and r.stdout.strip() == "modality\toutcome\tfigure\tdesign\tloe\tyear\tstudy"


def test_studies_filters(nelm):
    def ids(*args):
        return {r["study"] for r in json.loads(nelm("studies", *args, "-f", "json").stdout)["results"]}

    assert ids("-m", "tace") >= {"pdq-2014-ligation-doxorubicin"}
    assert all("rfa" not in s for s in ids("-m", "tace"))
    assert ids("--outcome", "biochemical-response") == {
        "pdq-2014-resection-review",
        "pdq-2014-gelatin-powder",
        "pdq-2014-ligation-doxorubicin",
    }
    # studies of the type, plus mixed populations that may include it (kept, with their share)
    assert ids("--tumor", "pancreatic") >= {"musunuru-2006", "musunuru-2006-embolization"}
    rows = json.loads(nelm("studies", "--tumor", "pancreatic", "-f", "json").stdout)["results"]
    mixed = [r for r in rows if r["study"] == "pdq-2014-rfa-prospective"]
    assert mixed and all(r["tumor_share"] == "mixed population (share not stated)" for r in mixed)
    assert all("[mixed" in r["figure"] for r in mixed)
    assert "pdq-2014-resection-review" not in ids("--tumor", "pancreatic")  # carcinoid only
    assert ids("--design", "prospective") == {"pdq-2014-rfa-prospective"}
    assert ids("--min-n", "100") == {"pdq-2014-resection-review"}
    assert ids("--since", "2006", "--until", "2006") == {"musunuru-2006", "musunuru-2006-embolization"}
    assert ids("--text", "GELATIN POWDER") == {"pdq-2014-gelatin-powder"}
    rows = json.loads(nelm("studies", "--sort", "n", "--reverse", "--limit", "2", "-f", "json").stdout)["results"]
    assert [r["n"] for r in rows] == [120, 120]


def test_outcomes_groups_by_modality_and_never_ranks_incomparable_series(nelm):
    vocab = json.loads(nelm("outcomes", "-f", "json").stdout)["results"]
    assert {"os", "symptom-response", "morbidity"} <= {o["id"] for o in vocab}
    rows = json.loads(nelm("outcomes", "symptom-response", "-f", "json").stdout)["results"]
    mods = [r["modality"] for r in rows]
    assert mods == sorted(mods, key=mods.index)  # each modality's figures together
    rfa = [(r["response_level"], r["value"]) for r in rows if r["modality"] == "rfa"]
    assert rfa == [("any", 92), ("significant", 70)]  # file order: two measures, not a ranking


def test_search_shows_where(nelm):
    rows = json.loads(nelm("search", "carcinoid crisis", "-f", "json").stdout)["results"]
    assert rows and all(r["location"] and ".yaml:" in r["location"] for r in rows)


def test_refs_vancouver(nelm):
    rows = json.loads(nelm("refs", "resection", "-f", "json").stdout)["results"]
    assert [r["number"] for r in rows] == list(range(1, len(rows) + 1))
    musunuru = next(r for r in rows if r["id"] == "musunuru-2006")
    assert "Arch Surg. 2006;141(10):1000-1004" in musunuru["citation"]


def test_compare_outcome_and_detail(nelm):
    rows = json.loads(nelm("compare", "tace", "rfa", "--outcome", "symptom-response", "-f", "json").stdout)["results"]
    assert [r["outcome"] for r in rows] == ["symptom-response"]
    detail = nelm("compare", "tace", "rfa", "-o", "symptom-response", "--detail", "-f", "tsv").stdout
    assert "At least partial symptom relief" in detail


def test_markup_in_evidence_is_printed_literally(nelm, evidence_copy):
    path = evidence_copy / "rfa.yaml"
    path.write_text(path.read_text().replace("Measured from the first RFA.", '"see [1], [bold]x[/bold] and [/b]"'))
    for fmt in FORMATS:
        r = nelm("show", "rfa", "--section", "findings", "-f", fmt, env={"COLUMNS": "400"}, evidence=evidence_copy)
        assert r.code == 0, r.stderr
        assert "[1]" in r.stdout and "[bold]x[/bold]" in r.stdout and "[/b]" in r.stdout, fmt


# -- errors -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args,needle",
    [
        (["frobnicate"], "No such command"),
        (["list", "--bogus"], "No such option"),
        (["show", "tacee"], "did you mean 'tace'"),
        (["compare", "tace", "rfx"], "did you mean 'rfa'"),
        (["compare", "tace"], "at least two"),
        (["studies", "--outcome", "mortalty"], "unknown outcome"),
        (["outcomes", "survival-overall"], "unknown outcome"),
        (["studies", "--fields", "study,valeu"], "did you mean 'value'"),
        (["list", "-f", "jsn"], "did you mean 'json'"),
        (["studies", "--sort", "nn"], "unknown sort field"),
        (["studies", "--tumor", "pancreas"], "unknown tumour type"),
        (["studies", "--design", "rtc"], "unknown design"),
        (["studies", "--min-n", "abc"], "Invalid value"),
        (["search", " "], "empty"),
        (["validate", "/nonexistent/path"], "no such file"),
    ],
)
def test_usage_errors_exit_2_with_one_line(nelm, args, needle):
    r = nelm(*args)
    assert r.code == 2, (args, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nelm: error: ") and needle in lines[0], r.stderr
    assert r.stdout == ""


def test_version_and_help_examples(nelm, sh):
    assert nelm("--version").stdout.startswith("nelm 0.")
    for cmd in ("list", "show", "compare", "studies", "outcomes", "search", "refs", "validate"):
        r = sh(cmd, "--help")
        assert r.code == 0 and "Example" in r.stdout, cmd
    r = sh("--help")
    assert "Exit codes" in r.stdout


# -- pipes, signals, colour -----------------------------------------------------------------
def test_closed_pipe_is_quiet(tmp_path):
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "NELM_EVIDENCE_DIR": str(FIXTURE_EVIDENCE)}
    for fmt in ("tsv", "json", "table"):
        p = subprocess.run(
            f"'{' '.join(nelm_script())}' studies -f {fmt} | head -c 10 > /dev/null; "
            f"'{' '.join(nelm_script())}' show rfa -f {fmt} | head -1 > /dev/null",
            shell=True,
            env=env,
            capture_output=True,
            text=True,
            cwd=tmp_path,
        )
        assert "Traceback" not in p.stderr and "Error" not in p.stderr, p.stderr


def test_closed_pipe_with_big_output_exits_quietly():
    env = {**os.environ, "NELM_EVIDENCE_DIR": str(FIXTURE_EVIDENCE)}
    p = subprocess.Popen(
        [*nelm_script(), "studies", "-f", "jsonl"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    assert p.stdout is not None
    p.stdout.read(5)
    p.stdout.close()
    _, err = p.communicate(timeout=30)
    assert b"Traceback" not in err and p.returncode in (0, 1)


def test_no_color_has_no_escape_codes(sh):
    r = sh("compare", "tace", "rfa", "-f", "table", env={"NO_COLOR": "1", "FORCE_COLOR": ""})
    assert r.code == 0 and "\x1b[" not in r.stdout


def test_force_color_colours_a_table(sh):
    r = sh("list", "-f", "table", env={"FORCE_COLOR": "1"})
    assert "\x1b[" in r.stdout
    r = sh("list", "-f", "table", "--no-color", env={"FORCE_COLOR": "1"})
    assert "\x1b[" not in r.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["studies", "-f", "json"],
        ["match", "--resectable", "no", "--bilioenteric-anastomosis", "yes", "-f", "json"],
        ["brief", "tace", "rfa"],
        ["brief", "tace", "rfa", "-f", "html"],
    ],
)
def test_json_markdown_and_html_paths_do_not_import_rich(args):
    code = (
        "import sys, io, contextlib; from nelm.cli import main\n"
        "buf = io.StringIO()\n"
        f"with contextlib.redirect_stdout(buf): main({args!r})\n"
        "print(any(m == 'rich' or m.startswith('rich.') for m in sys.modules))"
    )
    env = {**os.environ, "NELM_EVIDENCE_DIR": str(FIXTURE_EVIDENCE)}
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert p.stdout.strip().splitlines()[-1] == "False", p.stderr


def test_start_up_reads_no_yaml_although_the_patient_flags_are_built():
    code = (
        "import sys, io, contextlib; from nelm.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()): main(['--version'])\n"
        "print(sorted(m for m in ('yaml', 'rich', 'nelm.evidence.yamlsafe') if m in sys.modules))"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.stdout.strip().splitlines()[-1] == "[]", p.stderr


@pytest.mark.parametrize("width", ["20", "400"])
def test_narrow_and_wide_terminals_keep_numbers(sh, width):
    r = sh("compare", "tace", "rfa", "-f", "table", env={"COLUMNS": width})
    assert r.code == 0 and "Traceback" not in r.stderr
    flat = r.stdout.replace("\n", "").replace("│", "").replace(" ", "")
    assert "71%" in flat or "71" in flat


def test_compare_keeps_a_mixed_arm_apart_and_detail_lists_every_figure(nelm):
    def cell(*extra):
        rows = json.loads(nelm("compare", "tace", "rfa", "-o", "orr", *extra, "-f", "json").stdout)["results"]
        return rows[-1]["tace"]

    # A TAE-or-TACE cohort (an arm with both modalities) is never folded into TACE's own figures.
    (head,) = cell()
    assert head["headline"] and head["other_measures"] == 1 and "figures" not in head
    detail = cell("--detail")
    assert len(detail) == 2 and {tuple(r["modalities"]) for r in detail} == {("embolization", "tace"), ("tace",)}


def test_shell_completion_of_modality_and_outcome_names(sh):
    r = sh(env={"_NELM_COMPLETE": "complete_bash", "COMP_WORDS": "nelm show ta", "COMP_CWORD": "2"}, evidence=None)
    assert r.stdout.split() == ["tace"]
    r = sh(
        env={"_NELM_COMPLETE": "complete_bash", "COMP_WORDS": "nelm outcomes symptom-r", "COMP_CWORD": "2"},
        evidence=None,
    )
    assert r.stdout.split() == ["symptom-response"]


@pytest.mark.parametrize(
    ("n", "qualifier", "text"),
    [(60, None, "n=60"), (60, "more-than", "n>60"), (60, "up-to", "n<=60"), (60, "approx", "n~60"), (None, None, "")],
)
def test_sample_size_text_keeps_its_qualifier(n, qualifier, text):
    from nelm.analysis.figures import n_text

    assert n_text(n, qualifier) == text


def test_value_text_counts_and_qualitative_findings():
    from nelm.analysis.figures import value_text
    from nelm.evidence.model import Finding

    blank = dict.fromkeys(Finding.__dataclass_fields__)
    one = Finding(**{**blank, "outcome": "x", "stat": "count", "value": 1, "unit": "patients"})
    three = Finding(**{**blank, "outcome": "x", "stat": "count", "value": 3, "unit": "patients"})
    words = Finding(**{**blank, "outcome": "x", "stat": "comparison"})
    assert (value_text(one), value_text(three), value_text(words)) == ("1 patient", "3 patients", "qualitative")


@pytest.mark.parametrize("fmt", ["table", "tsv", "json"])
def test_fields_work_for_columns_with_display_helpers(nelm, fmt):
    r = nelm("list", "-f", fmt, "--fields", "id,patients")
    assert r.code == 0 and "internal error" not in r.stderr
    if fmt == "json":
        assert set(json.loads(r.stdout)["results"][0]) == {"id", "patients"}


@pytest.mark.parametrize(
    "cmd",
    [
        ["list"],
        ["show", "rfa"],
        ["compare", "tace", "rfa"],
        ["studies"],
        ["outcomes"],
        ["outcomes", "os"],
        ["search", "liver"],
        ["refs"],
    ],
)
def test_every_selectable_field_renders_alone(nelm, cmd):
    err = nelm(*cmd, "--fields", "nope").stderr
    fields = err.split("choose from: ")[1].strip().rstrip(")").split(", ")
    for name in fields:
        for fmt in ("table", "tsv"):
            r = nelm(*cmd, "--fields", name, "-f", fmt)
            assert r.code == 0 and "internal error" not in r.stderr, (name, fmt, r.stderr)
