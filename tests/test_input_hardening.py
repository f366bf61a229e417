"""Reliability: whatever the evidence input, nelm answers with bounded work and located one-line problems."""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path

import pytest
from conftest import FIXTURE_EVIDENCE

from nelm import errors
from nelm.evidence import load as load_module
from nelm.evidence import yamlsafe
from nelm.evidence.load import load
from nelm.evidence.validate import checker

LINE = re.compile(r"^(nelm: error: .+|\.\.\. and \d+ more problems in \d+ files?|\S.*?(:\d+)?: .+)$")


def _problems(r, code: int = 1) -> list[str]:
    """The stderr lines, after checking the exit code and that each is one well-formed line, once."""
    assert r.code == code, r.stderr
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr, r.stderr
    lines = r.stderr.rstrip("\n").split("\n")
    assert all(LINE.match(x) for x in lines), r.stderr
    assert len(lines) == len(set(lines)), f"a problem printed twice: {r.stderr}"
    return lines


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


FINDING = 'value: 5, unit: "%", n: 63,'  # a finding of rfa.yaml, line 38


def _finding(nelm, evidence_copy, replacement: str) -> list[str]:
    _edit(evidence_copy / "rfa.yaml", FINDING, replacement)
    return _problems(nelm("validate", evidence=evidence_copy))


# -- 1. only regular files are read ----------------------------------------------------------
def test_fifo_given_on_the_command_line_is_one_line(sh, tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    lines = _problems(sh("validate", str(fifo), timeout=60))
    assert f"{fifo}: cannot read file: it is a named pipe, not a regular file" in lines


def test_fifo_inside_a_folder_is_one_line(sh, evidence_copy):
    os.mkfifo(evidence_copy / "pipe.yaml")
    lines = _problems(sh("validate", str(evidence_copy), timeout=60))
    assert f"{evidence_copy}/pipe.yaml: cannot read file: it is a named pipe, not a regular file" in lines


def test_fifo_in_the_evidence_dir_is_one_line(sh, evidence_copy):
    os.mkfifo(evidence_copy / "pipe.yaml")
    lines = _problems(sh("list", evidence=evidence_copy, timeout=60))
    assert any(x.endswith("pipe.yaml: cannot read file: it is a named pipe, not a regular file") for x in lines)


def test_socket_and_device_are_one_line(nelm, evidence_copy):
    s = socket.socket(socket.AF_UNIX)
    try:
        s.bind(str(evidence_copy / "sock.yaml"))
        (evidence_copy / "zero.yaml").symlink_to("/dev/zero")
        lines = _problems(nelm("validate", evidence=evidence_copy))
    finally:
        s.close()
    assert f"{evidence_copy}/sock.yaml: cannot read file: it is a socket, not a regular file" in lines
    assert f"{evidence_copy}/zero.yaml: cannot read file: it is a device, not a regular file" in lines


def test_symlink_loop_in_a_folder_without_vocabulary_or_bibliography(nelm, tmp_path):
    folder = tmp_path / "ev"
    folder.mkdir()
    (folder / "rfa.yaml").write_bytes((FIXTURE_EVIDENCE / "rfa.yaml").read_bytes())
    (folder / "a.yaml").symlink_to(folder / "b.yaml")
    (folder / "b.yaml").symlink_to(folder / "a.yaml")
    for r in (nelm("validate", evidence=folder), nelm("validate", str(folder), evidence=folder)):
        lines = _problems(r)
        assert any(x.startswith(f"{folder}/a.yaml: cannot read file: ") for x in lines), r.stderr


def test_path_too_long_is_one_line(nelm, tmp_path):
    long = tmp_path / ("x" * 300 + ".yaml")
    lines = _problems(nelm("validate", str(long)))
    assert lines[0].startswith(f"{long}: cannot read: ")
    r = nelm("list", evidence=tmp_path / ("y" * 300))
    assert _problems(r)[-1].startswith("nelm: error: ")


def test_unreadable_file_and_folder_exit_1(nelm, evidence_copy, monkeypatch):
    real_open = os.open

    def deny(path, *args, **kwargs):
        if str(path).endswith("rfa.yaml"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(yamlsafe.os, "open", deny)
    lines = _problems(nelm("validate", evidence=evidence_copy))
    assert f"{evidence_copy}/rfa.yaml: cannot read file: Permission denied" in lines
    monkeypatch.undo()

    def no_listing(path):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(load_module.os, "scandir", no_listing)
    lines = _problems(nelm("validate", str(evidence_copy), evidence=evidence_copy))
    assert f"{evidence_copy}: cannot read folder: Permission denied" in lines


# -- 2. bounded work and bounded output ----------------------------------------------------
def test_a_2_mib_file_of_problems_prints_a_bounded_report(nelm, evidence_copy):
    head = 'schema: nelm/2\nkind: modality\nid: rfa\nname: R\nsummary: s\ncategory: ablative\nreviewed: "2025-01-01"\n'
    rows = []
    size = len(head) + 20
    i = 0
    while size < yamlsafe.MAX_BYTES - 100:
        rows.append(f"  - {{text: t, sources: [unknown-source-{i}], bogus{i}: 1}}\n")
        size += len(rows[-1])
        i += 1
    (evidence_copy / "rfa.yaml").write_text(head + "indications:\n" + "".join(rows))
    lines = _problems(nelm("validate", evidence=evidence_copy))
    mine = [x for x in lines if x.startswith(f"{evidence_copy}/rfa.yaml")]
    assert len(mine) == errors.MAX_PER_FILE + 1
    assert re.fullmatch(rf"{evidence_copy}/rfa\.yaml: \.\.\. and \d+ more problems in this file", mine[-1])
    assert re.fullmatch(r"nelm: error: the evidence has \d{5,} problems \(.*\)", lines[-1])


def test_five_thousand_small_files_complete_with_bounded_output(nelm, evidence_copy):
    for i in range(5000):
        (evidence_copy / f"m{i}.yaml").write_text(f"schema: nelm/2\nkind: topic\nid: m{i}\nname: M\nsummary: s\nx: 1\n")
    lines = _problems(nelm("validate", evidence=evidence_copy))
    assert len(lines) <= errors.MAX_PRINTED + 2
    assert re.fullmatch(r"\.\.\. and 4000 more problems in 4000 files", lines[-2])


def test_did_you_mean_compares_a_bounded_candidate_set(monkeypatch):
    import difflib

    seen: list[int] = []
    real = difflib.get_close_matches
    monkeypatch.setattr(difflib, "get_close_matches", lambda w, c, **k: seen.append(len(c)) or real(w, c, **k))
    names = [f"src-{i}-x" for i in range(200_000)]
    assert errors.closest("src-17-y", names) is not None
    assert errors.closest("q" * 10_000, names) is None
    assert seen and max(seen) <= errors.MAX_CANDIDATES


def test_did_you_mean_work_per_run_is_bounded(nelm, evidence_copy, monkeypatch):
    bib = ["schema: nelm/2\nkind: bibliography\nsources:\n"]
    bib += [f"  - {{id: src-{i}, type: original, title: T}}\n" for i in range(20_000)]
    (evidence_copy / "big-bibliography.yaml").write_text("".join(bib))
    refs = "".join(f"  - {{text: t, sources: [srx-{i}]}}\n" for i in range(2000))
    _edit(evidence_copy / "rfa.yaml", "contraindications: []\n", "contraindications: []\nindications:\n" + refs)
    _edit(evidence_copy / "rfa.yaml", "indications:\n  - text: Liver", "extra:\n  - text: Liver")
    compared: list[int] = []
    real = checker.closest
    monkeypatch.setattr(checker, "closest", lambda w, c, **k: compared.append(len(c)) or real(w, c, **k))
    _problems(nelm("validate", evidence=evidence_copy))
    assert 0 < len(compared) <= errors.MAX_PER_FILE  # no hints for problems that are not printed
    compared.clear()
    monkeypatch.setattr(checker, "HINT_WORK", 1)  # a spent budget stops every further hint
    _problems(nelm("validate", evidence=evidence_copy))
    assert len(compared) == 1


# -- 3. numbers ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "replacement,needle",
    [
        ("value: " + "9" * 5000 + ', unit: "%", n: 63,', "is too large"),
        ("value: " + "9" * 400 + ', unit: "%", n: 63,', "is too large"),
        ('value: 1e400, unit: "%", n: 63,', "the number 1e400 is too large"),
        ('value: 5, unit: "%", n: 63, ci: [1, 1e400],', "the number 1e400 is too large"),
        ('value: 5, unit: "%", n: 63, range: [1, ' + "9" * 5000 + "],", "is too large"),
        ('value: .inf, unit: "%", n: 63,', ".inf is not a finite number"),
        ('value: 5, unit: "%", n: 63, p: 1e-400,', "the number 1e-400 is too small"),
    ],
)
def test_huge_numbers_are_located_and_hide_nothing(nelm, evidence_copy, replacement, needle):
    _edit(evidence_copy / "rfa.yaml", "outcome: morbidity,", "outcome: mortalty,")  # a second problem
    lines = _finding(nelm, evidence_copy, replacement)
    assert any(x.startswith(f"{evidence_copy}/rfa.yaml:38: ") and needle in x for x in lines), lines
    assert any("unknown outcome 'mortalty'" in x for x in lines), "another problem was hidden"
    assert not any("expected" in x and "got" in x for x in lines), "reported twice"


@pytest.mark.parametrize(
    "field,text,read",
    [("volume", "3.10", "3.1"), ("pages", "010", "10"), ("issue", "01", "1"), ("volume", "007", "7")],
)
def test_numbers_yaml_would_change_in_text_fields(nelm, evidence_copy, field, text, read):
    bib = evidence_copy / "bibliography.yaml"
    _edit(bib, "    year: 2014\n", f"    year: 2014\n    {field}: {text}\n")
    lines = _problems(nelm("validate", evidence=evidence_copy))
    assert len(lines) == 2, lines
    assert re.fullmatch(rf"{bib}:\d+: ({field}: )?.*{re.escape(read)}.*quote.*", lines[0]), lines


def test_leading_zero_number_is_an_error_anywhere(nelm, evidence_copy):
    lines = _finding(nelm, evidence_copy, 'value: 05, unit: "%", n: 63,')
    assert lines[0] == (
        f'{evidence_copy}/rfa.yaml:38: 05 would be read as the number 5: quote it if it is text ("05"), or write 5'
    )


@pytest.mark.parametrize("number", ["0.5", "12", "1e-3", "0.010", "35.20", "2.0"])
def test_ordinary_numbers_are_accepted(nelm, evidence_copy, number):
    _edit(evidence_copy / "rfa.yaml", FINDING, f'value: 5, unit: "%", n: 63, p: {number},')
    assert nelm("validate", evidence=evidence_copy).code == (0 if float(number) <= 1 else 1)


def test_ci_level_and_spread_kind_reach_the_model(evidence_copy):
    _edit(evidence_copy / "rfa.yaml", FINDING, 'value: 5, unit: "%", n: 63, ci: [3, 8], ci_level: 0.999,')
    _edit(evidence_copy / "rfa.yaml", "spread_kind: unstated", "spread_kind: se")
    findings = load([evidence_copy]).modalities["rfa"].studies[0].findings
    assert findings[2].ci_level == 0.999
    assert [f.spread_kind for f in findings if f.spread is not None] == ["se"]


def test_ci_level_of_one_or_more_is_an_error(nelm, evidence_copy):
    lines = _finding(nelm, evidence_copy, 'value: 5, unit: "%", n: 63, ci_level: 95,')
    assert lines[0].endswith("findings[2].ci_level: 95 is not a fraction below 1 (e.g. 0.95 for a 95% CI)")


# -- 4. control characters -----------------------------------------------------------------
@pytest.mark.parametrize(
    "escaped,needle",
    [
        ("\\e[31m", "U+001B (ESCAPE)"),
        ("\\0", "U+0000 (NUL)"),
        ("\\u202e", "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
        ("\\x85", "U+0085"),
        ("\\x9b", "U+009B"),
        ("\\t", "U+0009 (TAB)"),
        ("\\n", "U+000A (LINE FEED)"),
    ],
)
def test_control_characters_in_a_single_line_field(nelm, evidence_copy, escaped, needle):
    _edit(evidence_copy / "rfa.yaml", "name: Radiofrequency ablation (RFA)", f'name: "Radio{escaped}frequency"')
    lines = _problems(nelm("validate", evidence=evidence_copy))
    assert lines[0].startswith(f"{evidence_copy}/rfa.yaml:4: name: contains the control character {needle}")


def test_tabs_and_line_breaks_are_allowed_in_prose_only(nelm, evidence_copy):
    _edit(evidence_copy / "rfa.yaml", "description: >-\n", "description: |-\n  a\ttab\n  and a line\n")
    assert nelm("validate", evidence=evidence_copy).code == 0
    _edit(evidence_copy / "rfa.yaml", "description: |-\n", 'description: "\\e[2J"\nold: |-\n')
    lines = _problems(nelm("validate", evidence=evidence_copy))
    assert lines[0].startswith(f"{evidence_copy}/rfa.yaml:9: description: contains the control character U+001B")


def test_control_character_in_a_key_stays_on_one_line(nelm, evidence_copy):
    _edit(evidence_copy / "rfa.yaml", "category: ablative\n", 'category: ablative\n"bad\\nkey\\u202e": 1\n')
    lines = _problems(nelm("validate", evidence=evidence_copy))
    assert lines[0] == (
        f"{evidence_copy}/rfa.yaml:7: bad\\nkey\\u202e: the key contains the control character U+000A (LINE FEED); "
        "remove it"
    )


# -- 5. validation gaps --------------------------------------------------------------------
def test_empty_folder_and_empty_evidence_dir_are_errors(nelm, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    expected = f"{empty}: no modality file here (expected a *.yaml file with kind: modality)"
    assert expected in _problems(nelm("validate", str(empty)))
    assert expected in _problems(nelm("validate", evidence=empty))
    assert expected in _problems(nelm("list", evidence=empty))


def test_uppercase_yaml_files_are_read(nelm, tmp_path):
    folder = tmp_path / "ev"
    folder.mkdir()
    text = (FIXTURE_EVIDENCE / "rfa.yaml").read_text(encoding="utf-8")
    (folder / "rfa.YAML").write_text(text, encoding="utf-8")
    assert nelm("validate", str(folder)).code == 0
    (folder / "rfa.YAML").write_text(text.replace("loe: 4", "loe: 9"), encoding="utf-8")
    lines = _problems(nelm("validate", str(folder)))
    assert lines[0] == f"{folder}/rfa.YAML:28: studies[0].loe: 9 is out of range (expected 1 to 5)"


def test_comment_only_file_is_an_error(nelm, evidence_copy):
    (evidence_copy / "notes.yaml").write_text("# nothing here yet\n")
    lines = _problems(nelm("validate", evidence=evidence_copy))
    assert lines[0] == (
        f"{evidence_copy}/notes.yaml: no content, only comments or null (expected a YAML mapping with schema: and kind:)"
    )


def test_events_above_the_studys_n(nelm, evidence_copy):
    lines = _finding(nelm, evidence_copy, 'value: 92, unit: "%", events: 70,')
    assert lines[0] == f"{evidence_copy}/rfa.yaml:38: studies[0].findings[2].events: events 70 exceed the study's n 63"


@pytest.mark.parametrize(
    "replacement,message",
    [
        ('value: 95, unit: "%", n: 63, ci: [90, 101],', "ci: [90, 101] is not within 0 to 100 (the unit is %)"),
        ('value: 5, unit: "%", n: 63, range: [-1, 95],', "range: [-1, 95] is not within 0 to 100 (the unit is %)"),
        (
            "value: 0.5, stat: hazard-ratio, unit: ratio, ci: [-0.1, 0.9],",
            "ci: [-0.1, 0.9] goes below 0 (a hazard-ratio is never negative)",
        ),
        ("value: -0.5, stat: odds-ratio, unit: ratio,", "value: -0.5 is not a valid ratio (expected above 0)"),
        (
            'value: 5, unit: "%", n: 63, p: 0,',
            "p: 0 is not a p value (for p < 0.001 write p: 0.001, p_qualifier: less-than)",
        ),
        ('value: 5, unit: "%", n: 63, p: 1.5,', "p: 1.5 is out of range (expected 0 to 1)"),
    ],
)
def test_impossible_figures(nelm, evidence_copy, replacement, message):
    if "stat:" in replacement:  # a ratio finding: nelm/1 (in nelm/2 ratios are comparisons)
        _edit(evidence_copy / "rfa.yaml", "schema: nelm/2", "schema: nelm/2")
        _edit(evidence_copy / "rfa.yaml", "stat: proportion, value: 5,", "value: 5,")
        replacement = replacement.replace("value:", "n: 63, value:")
        _edit(evidence_copy / "rfa.yaml", 'value: 5, unit: "%", n: 63,', replacement)
        lines = _problems(nelm("validate", evidence=evidence_copy))
    else:
        lines = _finding(nelm, evidence_copy, replacement)
    assert f"{evidence_copy}/rfa.yaml:38: studies[0].findings[2].{message}" in lines, lines


@pytest.mark.parametrize(
    "old,new,message",
    [
        ('reviewed: "2026-11-22"', 'reviewed: "2026-02-30"', "rfa.yaml:7: reviewed: 2026-02-30 is not a calendar date"),
        ('reviewed: "2026-11-22"', 'reviewed: "2999-01-01"', "rfa.yaml:7: reviewed: 2999-01-01 is in the future"),
        (
            "    n: 63\n",
            "    n: 63\n    period: {start: 2010, end: 2001}\n",
            "rfa.yaml:30: studies[0].period: start 2010",
        ),
        (
            "    n: 63\n",
            "    n: 63\n    period: {start: 2010, end: 2999}\n",
            "studies[0].period.end: 2999 is out of range",
        ),
    ],
)
def test_impossible_dates(nelm, evidence_copy, old, new, message):
    _edit(evidence_copy / "rfa.yaml", old, new)
    lines = _problems(nelm("validate", evidence=evidence_copy))
    assert any(message in x for x in lines), lines


def test_accessed_date_must_exist(nelm, evidence_copy):
    bib = evidence_copy / "bibliography.yaml"
    _edit(bib, "    year: 2014\n", '    year: 2014\n    accessed: "2024-13-01"\n')
    lines = _problems(nelm("validate", evidence=evidence_copy))
    assert re.fullmatch(rf"{bib}:\d+: sources\[0\]\.accessed: 2024-13-01 is not a calendar date", lines[0]), lines


# -- 6. message shape ----------------------------------------------------------------------
def test_file_name_with_a_newline_stays_on_one_line(nelm, evidence_copy):
    (evidence_copy / "odd\nname.yaml").write_text("- a list\n")
    lines = _problems(nelm("validate", evidence=evidence_copy))
    assert f"{evidence_copy}/odd\\nname.yaml:1: expected a mapping, got a list" in lines


def test_a_file_given_twice_is_read_once(nelm, evidence_copy):
    _edit(evidence_copy / "tace.yaml", "kind: modality", "kind: modality\nbroken: [")
    tace = evidence_copy / "tace.yaml"
    lines = _problems(nelm("validate", str(evidence_copy), str(tace), str(tace), evidence=evidence_copy))
    assert [x for x in lines if "YAML syntax error" in x][0].startswith(f"{evidence_copy}/tace.yaml:5: ")
    assert sum("YAML syntax error" in x for x in lines) == 1


def test_problems_of_other_shipped_files_are_not_reported(nelm, evidence_copy, tmp_path):
    _edit(evidence_copy / "tace.yaml", "kind: modality", "kind: modality\nbroken: [")
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "rfa.yaml").write_bytes((FIXTURE_EVIDENCE / "rfa.yaml").read_bytes())
    r = nelm("validate", str(overlay), evidence=evidence_copy)
    assert r.code == 0, r.stderr


def test_problem_lines_are_capped_in_the_right_places():
    many = [errors.Problem("a.yaml", i, "f", "m") for i in range(1, 61)] + [errors.Problem("b.yaml", 1, "", "m")]
    shown = [str(p) for p in errors.EvidenceError(many).problems]
    assert shown[-2:] == ["a.yaml: ... and 10 more problems in this file", "b.yaml:1: m"]
    assert len(shown) == errors.MAX_PER_FILE + 2
