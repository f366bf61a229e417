"""Issue 5: hostile and broken input never crashes nelm, never loses data, never runs code."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURE_EVIDENCE, nelm_script

PROBLEM = re.compile(r"^\S+\.ya?ml(:\d+)?: .+")
PACKAGE = Path(__file__).resolve().parent.parent / "nelm"


def _validate_one(nelm, evidence_copy, data: bytes, name: str = "rfa.yaml"):
    (evidence_copy / name).write_bytes(data)
    r = nelm("validate", evidence=evidence_copy)
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr, r.stderr
    return r


def _assert_rejected(r, needle):
    assert r.code == 1, r.stderr
    lines = r.stderr.strip().splitlines()
    assert all(PROBLEM.match(x) or x.startswith("nelm: error: ") for x in lines), r.stderr
    assert needle in r.stderr, r.stderr


def test_billion_laughs_is_rejected_fast(nelm, evidence_copy):
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for i, prev in zip("bcdefghi", "abcdefgh", strict=True):
        bomb += f"{i}: &{i} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
    r = _validate_one(nelm, evidence_copy, bomb.encode())
    _assert_rejected(r, "anchors and aliases are not allowed")


def test_plain_alias_is_rejected(nelm, evidence_copy):
    r = _validate_one(nelm, evidence_copy, b"schema: nelm/2\nkind: &k modality\nid: *k\n")
    _assert_rejected(r, "rfa.yaml:2: ")


@pytest.mark.parametrize(
    "doc", ["[" * 50_000 + "]" * 50_000, "a:\n" + "".join(" " * i + "- \n" for i in range(1, 300))]
)
def test_deep_nesting_is_rejected_fast(nelm, evidence_copy, doc):
    r = _validate_one(nelm, evidence_copy, doc.encode())
    # The message may be nelm's own depth limit or the YAML library's: assert nelm's contract
    # (exit 1, one located problem line), never another library's wording.
    _assert_rejected(r, "rfa.yaml:")


def test_oversized_file_is_rejected_fast(nelm, evidence_copy):
    r = _validate_one(nelm, evidence_copy, b"a: b\n" * 500_000)
    _assert_rejected(r, "larger than 2 MiB")


def test_binary_file(nelm, evidence_copy):
    r = _validate_one(nelm, evidence_copy, bytes(range(256)) * 4)
    _assert_rejected(r, "binary file")


def test_non_utf8_names_the_line(nelm, evidence_copy):
    r = _validate_one(nelm, evidence_copy, b"schema: nelm/2\nkind: modality\nname: caf\xe9\n")
    _assert_rejected(r, "rfa.yaml:3: not valid UTF-8")


def test_python_object_tags_never_construct(nelm, evidence_copy, tmp_path):
    marker = tmp_path / "pwned"
    doc = f"schema: nelm/2\nkind: !!python/object/apply:os.system ['touch {marker}']\n"
    r = _validate_one(nelm, evidence_copy, doc.encode())
    _assert_rejected(r, "is not allowed")
    assert not marker.exists()


def test_multiple_documents(nelm, evidence_copy):
    r = _validate_one(nelm, evidence_copy, b"schema: nelm/2\n---\nschema: nelm/2\n")
    _assert_rejected(r, "more than one YAML document")


def test_empty_file(nelm, evidence_copy):
    r = _validate_one(nelm, evidence_copy, b"   \n")
    _assert_rejected(r, "empty file")


def test_duplicate_key(nelm, evidence_copy):
    r = _validate_one(nelm, evidence_copy, b"schema: nelm/2\nkind: modality\nkind: topic\n")
    _assert_rejected(r, "rfa.yaml:3: duplicate key 'kind'")


def test_tab_indentation_is_a_syntax_error(nelm, evidence_copy):
    r = _validate_one(nelm, evidence_copy, b"schema: nelm/2\nkind: modality\nstudies:\n\t- id: x\n")
    _assert_rejected(r, "rfa.yaml:4: YAML syntax error")


@pytest.mark.parametrize(
    "transform", [lambda b: b"\xef\xbb\xbf" + b, lambda b: b.replace(b"\n", b"\r\n")], ids=["bom", "crlf"]
)
def test_bom_and_crlf_read_correctly(nelm, evidence_copy, transform):
    path = evidence_copy / "rfa.yaml"
    path.write_bytes(transform(path.read_bytes()))
    r = nelm("show", "rfa", "-f", "json", evidence=evidence_copy)
    assert r.code == 0, r.stderr
    assert '"value": 92' in r.stdout


def test_not_a_mapping(nelm, evidence_copy):
    r = _validate_one(nelm, evidence_copy, b"- just\n- a list\n")
    _assert_rejected(r, "expected a mapping")


# -- filesystem --------------------------------------------------------------------------------
def test_missing_evidence_folder(nelm, tmp_path):
    r = nelm("list", evidence=tmp_path / "nope")
    assert r.code == 1 and "evidence folder is missing" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(nelm, evidence_copy):
    (evidence_copy / "rfa.yaml").chmod(0)
    r = nelm("validate", evidence=evidence_copy)
    _assert_rejected(r, "cannot read file")


def test_directory_named_like_yaml(nelm, evidence_copy):
    (evidence_copy / "odd.yaml").mkdir()
    r = nelm("validate", evidence=evidence_copy)
    _assert_rejected(r, "odd.yaml: cannot read file")


def test_symlink_loop(nelm, evidence_copy):
    (evidence_copy / "a.yaml").symlink_to(evidence_copy / "b.yaml")
    (evidence_copy / "b.yaml").symlink_to(evidence_copy / "a.yaml")
    (evidence_copy / "loop").symlink_to(evidence_copy)  # a folder loop is never followed
    r = nelm("validate", evidence=evidence_copy)
    _assert_rejected(r, "cannot read file")


def test_thousands_of_files_and_non_yaml_files_are_ignored(nelm, evidence_copy):
    for i in range(3000):
        (evidence_copy / f"note-{i}.txt").write_text("not yaml: [")
    (evidence_copy / "README.md").write_text("# notes")
    (evidence_copy / ".hidden.yaml").write_text("broken: [")
    r = nelm("validate", evidence=evidence_copy)
    assert r.code == 0, r.stderr


# -- process ---------------------------------------------------------------------------------
def _py(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    e = {**os.environ, "NELM_EVIDENCE_DIR": str(FIXTURE_EVIDENCE), **env}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=e, timeout=60)


def test_sigint_exits_130_without_traceback():
    p = _py(
        "import os, signal, nelm.analysis.browse as q\n"
        "orig = q.list_rows\n"
        "def slow(ev):\n    os.kill(os.getpid(), signal.SIGINT)\n    return orig(ev)\n"
        "q.list_rows = slow\n"
        "from nelm.cli import main\nraise SystemExit(main(['list']))"
    )
    assert p.returncode == 130 and "Traceback" not in p.stderr, p.stderr


def test_sigterm_exits_143_without_traceback():
    p = _py(
        "import os, signal, nelm.analysis.browse as q\n"
        "orig = q.list_rows\n"
        "def slow(ev):\n    os.kill(os.getpid(), signal.SIGTERM)\n    return orig(ev)\n"
        "q.list_rows = slow\n"
        "from nelm.cli import main\nraise SystemExit(main(['list']))"
    )
    assert p.returncode == 143 and "Traceback" not in p.stderr, p.stderr


@pytest.mark.parametrize(
    "env",
    [
        {"TERM": "dumb"},
        {"LANG": "C", "LC_ALL": "C"},
        {"PYTHONIOENCODING": "ascii"},
        {"COLUMNS": "20"},
        {"COLUMNS": "400"},
    ],
)
def test_odd_terminals(evidence_copy, env):
    path = evidence_copy / "rfa.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("Measured from the first RFA.", "Kaçmaz – ≥ 5 µg"), encoding="utf-8"
    )
    e = {**os.environ, "NELM_EVIDENCE_DIR": str(evidence_copy), **env}
    for fmt in ("table", "tsv", "json"):
        p = subprocess.run([*nelm_script(), "show", "rfa", "-f", fmt], capture_output=True, env=e, timeout=60)
        assert p.returncode == 0 and b"Traceback" not in p.stderr, (env, fmt, p.stderr)
        assert b"\x1b[" not in p.stdout


def test_internal_errors_are_one_line(nelm, monkeypatch):
    import nelm.analysis.browse as q

    def boom(ev):
        raise RuntimeError("boom")

    monkeypatch.setattr(q, "list_rows", boom)
    r = nelm("list")
    assert r.code == 1 and r.stderr.strip().startswith("nelm: error: internal error: RuntimeError: boom")
    assert len(r.stderr.strip().splitlines()) == 1


# -- code safety -----------------------------------------------------------------------------
def test_no_unsafe_loading_or_evaluation_in_package():
    banned = [
        r"\byaml\.load\(",
        r"\byaml\.unsafe_load",
        r"\bFullLoader\b",
        r"\bUnsafeLoader\b",
        r"(?<![.\w])eval\(",
        r"(?<![.\w])exec\(",
        r"\bpickle\b",
        r"\bmarshal\b",
        r"\bshelve\b",
        r"__import__\(",
    ]
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        offenders += [f"{path.name}: {pat}" for pat in banned if re.search(pat, text)]
    assert offenders == []
