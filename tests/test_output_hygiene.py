"""Output hygiene: hostile text never drives a terminal, a spreadsheet or a Markdown viewer; output is
UTF-8 whatever the locale; no terminal width loses data; --fields is judged the same with or
without matches; figures keep their CI level, derivation and kind of spread."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess

import pytest
from conftest import FIXTURE_EVIDENCE, nelm_script

from nelm.render import Column, Result, emit
from nelm.render.output import UNSAFE, Output, printable

HOSTILE = "ok\x1b[2J\x1b[1;1HFAKE 99%\x00\x07\x08\r\x7f\x9b31m\u202eevil\u2066x\u2069\ud800 end"
SGR = re.compile(r"\x1b\[[0-9;]*m")  # the colour codes nelm itself writes on a colour terminal
RAW = re.compile(f"[{UNSAFE}]")
TABULAR = ["table", "tsv", "csv", "markdown"]


def _render(fmt: str, rows: list[dict], *, color: bool = False, width: int = 120, tty: bool = False) -> str:
    buf = io.StringIO()
    cols = [Column("figure", "Figure"), Column("n", "N", True)]
    emit(Output(buf, io.StringIO(), tty, color, width), Result("studies", cols, rows, "Study findings"), fmt)
    return buf.getvalue()


# -- 1. control characters ---------------------------------------------------------------------
@pytest.mark.parametrize("fmt", [*TABULAR, "json", "jsonl"])
@pytest.mark.parametrize(("color", "width"), [(True, 120), (False, 120), (True, 8)])
def test_escape_sequences_in_evidence_never_reach_the_terminal(fmt, color, width):
    out = _render(fmt, [{"figure": HOSTILE, "n": 5}], color=color, width=width, tty=color)
    assert not RAW.search(SGR.sub("", out).replace("\t" if fmt == "tsv" else "\n", "")), repr(out)
    if fmt.startswith("json"):  # escaped, but the data is exactly the evidence's text
        rows = [json.loads(x) for x in out.splitlines()] if fmt == "jsonl" else json.loads(out)["results"]
        assert rows[0]["figure"] == HOSTILE
    else:  # escaped visibly, the rest of the text kept
        assert "\\x1b[2J" in out and "\\u202eevil" in out and "FAKE 99%" in out and "end" in out


def test_printable_keeps_newlines_only_when_asked():
    assert printable("a\nb\tc\x1bd") == "a\nb\\x09c\\x1bd"
    assert printable("a\nb", newline=False) == "a\\x0ab"
    assert printable("Müller ≥ 5 años") == "Müller ≥ 5 años"


def test_notes_and_errors_are_one_safe_line():
    from nelm.errors import NelmError, Problem

    err = io.StringIO()
    Output(io.StringIO(), err, False, False).note(f"no matches for '{HOSTILE}'\nsecond")
    assert err.getvalue().count("\n") == 1 and not RAW.search(err.getvalue())
    problem = str(Problem("x.yaml", 3, "note", f"bad {HOSTILE}"))
    error = NelmError(f"unknown modality '{HOSTILE}'", HOSTILE)
    for text in (problem, error.message, error.hint):
        assert not RAW.search(text) and "\n" not in text


def test_escape_sequence_in_an_argument_is_echoed_safely(nelm):
    r = nelm("show", "\x1b[2Jtace")
    assert r.code == 2 and r.stdout == ""
    assert "\\x1b[2Jtace" in r.stderr and not RAW.search(r.stderr)


@pytest.mark.parametrize("fmt", [*TABULAR, "json"])
def test_escape_sequence_in_an_overlay_never_reaches_stdout_or_stderr(sh, evidence_copy, fmt):
    # Whether the validator rejects control characters (exit 1) or not (exit 0), nothing raw escapes.
    path = evidence_copy / "rfa.yaml"
    path.write_text(path.read_text().replace("Measured from the first RFA.", '"\\e[2J\\e[HFAKE \\u202e 99%"'))
    r = sh("show", "rfa", "-f", fmt, env={"FORCE_COLOR": "1", "COLUMNS": "100"}, evidence=evidence_copy)
    assert r.code in (0, 1) and "Traceback" not in r.stderr
    assert not RAW.search(SGR.sub("", r.stdout).replace("\t" if fmt == "tsv" else "\n", ""))
    assert not RAW.search(r.stderr.replace("\n", ""))
    if r.code == 0 and fmt != "json":
        assert "\\x1b[2J" in r.stdout


# -- 2. spreadsheets and Markdown ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\uff1d1+1", "'\uff1d1+1"),
        ("-0.5", "-0.5"),
        ("+3", "+3"),
        ("-12", "-12"),
        ("1e-3", "1e-3"),
        ("83% (n=13)", "83% (n=13)"),
        ("a=b", "a=b"),
    ],
)
def test_formulas_are_neutralised_but_numbers_stay_numbers(cell, safe):
    from nelm.render.cells import formula_safe

    assert formula_safe(cell) == safe


def test_csv_and_tsv_cells_never_start_a_formula():
    rows = [{"figure": "=1+1", "n": -0.5}, {"figure": "@cmd", "n": "+3"}, {"figure": "\t-2+3", "n": 7}]
    parsed = list(csv.reader(io.StringIO(_render("csv", rows))))
    assert [r[0] for r in parsed[1:]] == ["'=1+1", "'@cmd", "'\\x09-2+3"]
    assert [r[1] for r in parsed[1:]] == ["-0.5", "+3", "7"]
    tsv = [line.split("\t") for line in _render("tsv", rows).splitlines()[1:]]
    assert [r[0] for r in tsv] == ["'=1+1", "'@cmd", "'\\t-2+3"]
    assert [r[1] for r in tsv] == ["-0.5", "+3", "7"]


def test_markdown_escapes_html_and_pipes():
    rows = [{"figure": "<script>alert(1)</script> a|b & <img src=x onerror=y>", "n": [1, "<b>"]}]
    out = _render("markdown", rows)
    body = out.splitlines()[2]
    assert "<script>" not in out and "<img" not in out and "<b>" not in out
    assert "&lt;script&gt;" in body and "a\\|b &amp; " in body and "1<br>&lt;b&gt;" in body
    assert len(re.split(r"(?<!\\)\|", body)) == len(re.split(r"(?<!\\)\|", out.splitlines()[0]))


# -- 3. UTF-8 whatever the locale -----------------------------------------------------------------
UNICODE = "Müller ≥ 5 años — 83 % ✓"


@pytest.mark.parametrize("env", [{"PYTHONIOENCODING": "ascii"}, {"PYTHONIOENCODING": "latin-1"}, {"LC_ALL": "C"}])
@pytest.mark.parametrize("fmt", ["json", "jsonl", "tsv", "csv", "markdown", "table"])
def test_output_is_utf8_whatever_the_locale(evidence_copy, env, fmt):
    path = evidence_copy / "rfa.yaml"
    path.write_text(path.read_text().replace("Measured from the first RFA.", f'"{UNICODE}"'), encoding="utf-8")
    e = {k: v for k, v in os.environ.items() if k not in ("PYTHONIOENCODING", "LC_ALL", "LANG")}
    e.update(env, NELM_EVIDENCE_DIR=str(evidence_copy), COLUMNS="400")
    p = subprocess.run([*nelm_script(), "show", "rfa", "--section", "findings", "-f", fmt], env=e, capture_output=True)
    assert p.returncode == 0, p.stderr
    text = p.stdout.decode("utf-8")  # strict: fails on anything but UTF-8
    assert UNICODE in text
    if fmt == "json":
        findings = json.loads(text)["results"][0]["findings"]
        assert any(f["note"] == UNICODE for f in findings)


# -- 4. no width drops data -------------------------------------------------------------------------
WIDTH_COMMANDS = [["list"], ["studies"], ["compare", "tace", "rfa"], ["refs"], ["outcomes"]]
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _tsv_cells(text: str) -> list[list[str]]:
    def unescape(s: str) -> str:
        return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "r": "\r"}.get(m[1], m[1]), s)

    return [[unescape(c) for c in line.split("\t")] for line in text.splitlines()[1:]]


def _table_cells(text: str) -> list[list[list[str]]]:
    """Each record's cells as their lines, from a box table or from expanded records."""
    records: list[list[list[str]]] = []
    if "-[ RECORD 1 ]-" in text:
        for block in re.split(r"^-\[ RECORD \d+ \]-*\n", text, flags=re.M)[1:]:
            cells: list[list[str]] = []
            for line in block.splitlines():
                if re.match(r"^\S.*?: |^\S[^:]*:$", line) and not line.startswith(" "):
                    cells.append([line.split(": ", 1)[1] if ": " in line else ""])
                else:
                    cells[-1].append(line.strip())
            records.append(cells)
        return records
    body = text.split("┩\n", 1)[1]
    current: list[list[str]] = []
    for line in body.splitlines():
        if line.startswith("│"):
            parts = line.strip("│").split("│")
            current = current or [[] for _ in parts]
            for cell, part in zip(current, parts, strict=True):
                cell.append(part.strip())
        elif current:
            records.append(current)
            current = []
    return records


@pytest.mark.parametrize("width", ["0", "1", "20", "40", "80", "400"])
@pytest.mark.parametrize("cmd", WIDTH_COMMANDS, ids=lambda c: "-".join(c))
def test_no_width_cuts_or_drops_a_value(nelm, cmd, width):
    table = nelm(*cmd, "-f", "table", env={"COLUMNS": width})
    assert table.code == 0 and table.stdout.strip(), table.stderr
    expected = _tsv_cells(nelm(*cmd, "-f", "tsv").stdout)
    shown = _table_cells(table.stdout)
    assert len(shown) == len(expected)
    for want_row, got_row in zip(expected, shown, strict=True):
        for want, got in zip(want_row, got_row, strict=True):
            assert "".join(got).replace(" ", "") == "".join(want.replace(" | ", "").split()), (want, got)
            for number in NUMBER.findall(want):  # a number is never split across lines
                assert any(number in line for line in got), (number, got)
    if "-[ RECORD" not in table.stdout:
        assert max(len(line) for line in table.stdout.splitlines()) <= max(int(width), 1) or width == "0"


@pytest.mark.parametrize("width", ["0", "1", "20", "40", "80", "400"])
def test_show_page_keeps_every_word_at_any_width(nelm, width):
    """`show` on a terminal is a page of wrapped entries, not a table: every word of every entry
    is there, in order, and never split."""
    page = nelm("show", "rfa", "-f", "table", env={"COLUMNS": width})
    assert page.code == 0, page.stderr
    words = page.stdout.split()
    entries = _tsv_cells(nelm("show", "rfa", "-f", "tsv").stdout)
    at = 0
    for _, text, refs in entries:
        for word in f"{text} {refs}".split():
            at = words.index(word, at) + 1
    if int(width) >= 40:  # only an unbreakable word (a long address) may run past the width
        assert all(len(line) <= int(width) or " " not in line.strip() for line in page.stdout.splitlines())


@pytest.mark.parametrize("columns", ["0", "-5", "abc", "", " "])
def test_nonsense_widths_fall_back_to_80(nelm, columns):
    eighty = nelm("studies", "-f", "table", env={"COLUMNS": "80"}).stdout
    assert nelm("studies", "-f", "table", env={"COLUMNS": columns}).stdout == eighty


def test_narrow_tables_become_records_and_wide_ones_stay_tables(nelm):
    narrow = nelm("list", "-f", "table", env={"COLUMNS": "20"}).stdout
    assert "-[ RECORD 1 ]-" in narrow and "\nStudies " in narrow and "┃" not in narrow
    assert "-[ RECORD" not in nelm("list", "-f", "table", env={"COLUMNS": "120"}).stdout


def test_wrapping_never_splits_a_number():
    from nelm.render.table import min_width, wrap

    assert min_width(["published 1996; p=0.0001"]) >= len("0.0001")
    for width in range(6, 30):
        lines = wrap("survival 1996-2004 was 83.5% (95% CI 70.1-91.2; n=1234)", width).split("\n")
        assert all(len(x) <= width for x in lines)
        assert all(any(n in x for x in lines) for n in ("1996", "2004", "83.5%", "70.1", "91.2", "1234"))


# -- 5 and 6. --fields ---------------------------------------------------------------------------------
def test_show_with_its_own_default_columns(nelm):
    r = nelm("show", "tace", "--fields", "section,text,source", "-f", "tsv")
    default = nelm("show", "tace", "-f", "tsv")
    assert r.code == 0 and r.stdout == default.stdout and len(r.stdout.splitlines()) > 2
    rows = json.loads(nelm("show", "tace", "--fields", "section,text", "-f", "json").stdout)["results"]
    assert len(rows) > 1 and all(set(x) == {"section", "text"} and x["section"] for x in rows)


def test_show_fields_of_the_profile_and_mixed_fields(nelm):
    doc = json.loads(nelm("show", "tace", "--fields", "id,name", "-f", "json").stdout)
    assert doc["results"] == [{"id": "tace", "name": "Transarterial chemoembolization (TACE)"}]
    assert nelm("show", "tace", "--fields", "id,name", "-f", "tsv").stdout.splitlines()[1].startswith("tace\t")
    r = nelm("show", "tace", "--fields", "section,id")
    assert r.code == 2 and r.stderr.startswith("nelm: error: ") and r.stdout == ""


@pytest.mark.parametrize("cmd", [["studies", "--min-n", "100000"], ["outcomes", "pfs"], ["search", "zzzz"]])
def test_fields_are_judged_the_same_without_matches(nelm, cmd):
    known = {"studies": "pmid,derived", "outcomes": "pmid,spread_kind", "search": "modality,location"}[cmd[0]]
    r = nelm(*cmd, "--fields", known, "-f", "csv")
    assert r.code == 0 and r.stdout == known + "\n"
    r = nelm(*cmd, "--fields", "pmidd")
    assert r.code == 2 and "unknown field 'pmidd'" in r.stderr and r.stdout == ""


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
def test_documented_fields_match_the_records(nelm, cmd):
    """The keys --fields accepts without matches are exactly those the records have."""
    from nelm.render import record_fields

    rows = json.loads(nelm(*cmd, "-f", "json").stdout)["results"]
    columns = [Column(k, k) for k in ("figure",)] if cmd == ["outcomes", "os"] else []
    declared = record_fields(Result(cmd[0], columns, []))
    modalities = set(cmd[1:]) if cmd[0] == "compare" else set()
    assert set(rows[0]) - modalities == set(declared)


# -- 7. figures in JSON and text --------------------------------------------------------------------------
def _finding(**kw):
    from nelm.evidence.model import Finding

    return Finding(**{**dict.fromkeys(Finding.__dataclass_fields__), "outcome": "os", "stat": "median", **kw})


@pytest.mark.parametrize(
    ("level", "text"), [(0.999, "99.9% CI"), (0.9, "90% CI"), (0.95, "95% CI"), (0.975, "97.5% CI")]
)
def test_ci_level_is_printed_exactly(level, text):
    from nelm.analysis.figures import figure_text
    from nelm.evidence.model import Evidence, Study

    f = _finding(value=40, unit="months", ci=(30, 50), ci_level=level, study="s", modalities=("tace",))
    line = figure_text(Evidence(), Study("s", "tace", "src", "rct", (f,)), f)
    assert f"{text} 30-50" in line and ("100% CI" not in line)


def test_json_keeps_derived_spread_kind_and_ci_level():
    from nelm.analysis.figures import RECORD_FIELDS, figure_record
    from nelm.evidence.model import Evidence, Study

    f = _finding(
        value=11,
        unit="months",
        spread=2.3,
        spread_kind="sd",
        events=6,
        n=6,
        derived=True,
        ci=(8, 14),
        ci_level=0.9,
        study="s",
        modalities=("rfa",),
    )
    rec = figure_record(Evidence(), Study("s", "rfa", "src", "rct", (f,)), f)
    assert (rec["derived"], rec["spread"], rec["spread_kind"], rec["ci_level"]) == (True, 2.3, "sd", 0.9)
    assert tuple(rec) == RECORD_FIELDS


def test_spread_kind_from_the_evidence_reaches_json(nelm):
    rows = json.loads(nelm("studies", "-o", "symptom-control-duration", "-f", "json").stdout)["results"]
    assert [(r["spread"], r["spread_kind"], r["derived"]) for r in rows] == [(2.3, "unstated", False)]


def test_fixture_evidence_is_untouched():
    assert (FIXTURE_EVIDENCE / "rfa.yaml").read_text().count("Measured from the first RFA.") == 1
