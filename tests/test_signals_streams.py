"""Reliability at the process edge: signals at any moment, unwritable or closed streams, NELM_DEBUG,
and the exit codes as documented. Each finding of the reliability issue has a named test here."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import (
    FIXTURE_EVIDENCE,
    ROOT,
    TRACE_MARKERS,
    needs_proc,
    nelm_env,
    nelm_script,
    wait_for_handlers,
)

from nelm.cli import app as cli
from nelm.cli.envflags import flag
from nelm.errors import ExitCode

SIGNALS = [signal.SIGINT, signal.SIGTERM]
PROBLEM = re.compile(r"^\S+\.ya?ml(:\d+)?: .+")


def _quiet(stderr: str) -> bool:
    return not any(marker in stderr for marker in TRACE_MARKERS)


def _one_error_line(stderr: str, start: str) -> bool:
    lines = stderr.splitlines()
    return len(lines) == 1 and lines[0].startswith(start)


# -- 1. signals -------------------------------------------------------------------------------
@needs_proc
@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: s.name)
@pytest.mark.parametrize("offset_ms", [0, 5, 10, 20, 40, 80, 160])
def test_signal_at_any_moment_of_a_run_ends_quietly(sig, offset_ms):
    """Offsets count from the moment nelm's code runs (its handlers are installed), which is before
    Typer, YAML or Rich are imported; before that moment only the interpreter is running."""
    p = subprocess.Popen(
        [*nelm_script(), "studies", "-f", "table"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=nelm_env(evidence=None),
        text=True,
    )
    if wait_for_handlers(p):
        time.sleep(offset_ms / 1000)
        p.send_signal(sig)
    _, err = p.communicate(timeout=60)
    assert p.returncode in (128 + sig, 0), (p.returncode, err)
    assert _quiet(err), err
    if p.returncode:
        assert err == "", err


@pytest.mark.parametrize("offset_ms", [0, 5, 10, 20, 40, 80, 160])
def test_sigterm_from_process_start_is_quiet(offset_ms):
    """The interpreter leaves SIGTERM at its default until nelm handles it: killed (-15) or 143, never a traceback."""
    p = subprocess.Popen(
        [*nelm_script(), "compare", "tace", "rfa", "-f", "table"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=nelm_env(),
        text=True,
    )
    time.sleep(offset_ms / 1000)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=60)
    assert p.returncode in (143, -signal.SIGTERM, 0), (p.returncode, err)
    assert _quiet(err), err


@pytest.fixture(scope="module")
def many_problems(tmp_path_factory):
    """An overlay folder whose problems print as far more stderr than a pipe holds, even with
    the per-file and total caps: 40 files, each with more problems than the per-file cap and
    long lines."""
    folder = tmp_path_factory.mktemp("overlay")
    text = (FIXTURE_EVIDENCE / "rfa.yaml").read_text(encoding="utf-8")
    pad = "y" * 200
    for f in range(40):
        items = "".join(f"  - {{text: x{i}, sources: [liver-metastases-qa], bogus_{pad}: {i}}}\n" for i in range(60))
        body = text.replace("indications:\n", "indications:\n" + items, 1).replace("id: rfa", f"id: rfa{f}")
        body = body.replace("pdq-2014-rfa-prospective", f"pdq-2014-rfa-prospective-{f}")
        (folder / f"rfa{f}.yaml").write_text(body, encoding="utf-8")
    return folder


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: s.name)
def test_signal_while_problems_are_printed(many_problems, sig):
    """The test stops reading stderr, so nelm is blocked mid-stream when the signal comes."""
    p = subprocess.Popen(
        [*nelm_script(), "validate", str(many_problems)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=nelm_env(),
    )
    assert p.stderr is not None
    head = p.stderr.read(4096)
    p.send_signal(sig)
    rest = p.stderr.read()
    p.wait(timeout=60)
    err = (head + rest).decode("utf-8", "replace")
    assert p.returncode == 128 + sig, (p.returncode, err[-500:])
    assert _quiet(err), err[-2000:]
    complete = err.splitlines()[:-1]  # the last line may be cut short by the signal
    assert complete and all(PROBLEM.match(line) for line in complete)


@needs_proc
def test_entry_handles_signals_before_heavy_imports():
    """Typer, YAML and Rich are first imported after SIGINT and SIGTERM are nelm's."""
    code = (
        "import os, signal, sys\n"
        "class Spy:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name in ('typer', 'yaml', 'rich'):\n"
        "            ours = signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, None) and "
        "signal.getsignal(signal.SIGINT) is not signal.default_int_handler\n"
        "            os.write(2, f'{name}={ours}\\n'.encode())\n"
        "sys.meta_path.insert(0, Spy())\n"
        "sys.argv = ['nelm', 'studies', '-f', 'table']\n"
        "from nelm._entry import main\n"
        "main()\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=nelm_env(), timeout=60)
    seen = dict(line.split("=") for line in p.stderr.splitlines() if "=" in line)
    assert p.returncode == 0 and set(seen) == {"typer", "yaml", "rich"}, p.stderr
    assert set(seen.values()) == {"True"}, seen


def test_console_script_and_python_dash_m_use_the_entry_module():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^nelm = "nelm\._entry:main"$', pyproject, re.M)
    assert "from nelm._entry import main" in (ROOT / "nelm" / "__main__.py").read_text(encoding="utf-8")


def test_in_process_main_restores_signal_handlers(nelm):
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    assert nelm("--version").code == 0
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


# -- 2. streams -------------------------------------------------------------------------------
OUTPUTS = [
    ["--version"],
    ["--help"],
    ["studies", "--help"],
    ["list"],
    ["studies", "-f", "json"],
    ["show", "rfa", "-f", "table"],
    ["refs", "-f", "csv"],
]


def _run(args, stdout=None, stderr=subprocess.PIPE, redirect="", **env):
    """Run nelm; `redirect` is a shell redirection such as '>&-' applied to it."""
    cmd = [*nelm_script(), *args]
    if redirect:
        cmd = ["sh", "-c", f'"$0" "$@" {redirect}', *cmd]
    return subprocess.run(cmd, stdout=stdout, stderr=stderr, env=nelm_env(**env), text=True, timeout=60)


@pytest.mark.parametrize("args", OUTPUTS, ids=" ".join)
def test_closed_stdout_is_one_line_and_status_1(args):
    p = _run(args, redirect=">&-")
    assert p.returncode == 1 and _one_error_line(p.stderr, "nelm: error: cannot write output"), p.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("unbuffered", ["", "1"])
@pytest.mark.parametrize("args", OUTPUTS, ids=" ".join)
def test_full_disk_is_one_line_and_status_1(args, unbuffered):
    with open("/dev/full", "w") as full:
        p = _run(args, stdout=full, PYTHONUNBUFFERED=unbuffered)
    assert p.returncode == 1 and _one_error_line(p.stderr, "nelm: error: cannot write output"), p.stderr


@pytest.mark.parametrize("redirect", [">&-", "2>&-", ">&- 2>&-", "2>/dev/full", "</dev/null >&- 2>&-"])
def test_validate_passes_whatever_happens_to_stdout_and_stderr(redirect):
    """validate writes only to stderr; a message that cannot be shown does not change the outcome."""
    p = _run(["validate"], redirect=redirect)
    assert p.returncode == 0, p.stderr
    assert _quiet(p.stderr)


@pytest.mark.parametrize(("args", "code"), [(["show", "nosuch"], 2), (["validate", "nosuch.yaml"], 2), (["list"], 0)])
def test_closed_stderr_keeps_the_exit_status(args, code):
    assert _run(args, stdout=subprocess.DEVNULL, redirect="2>&-").returncode == code


def _read_then_close(args, lines, **env):
    """Read `lines` lines of nelm's stdout, then close the pipe, like `| head -n lines`."""
    p = subprocess.Popen(
        [*nelm_script(), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=nelm_env(evidence=None, **env)
    )
    assert p.stdout is not None and p.stderr is not None
    for _ in range(lines):
        p.stdout.readline()
    p.stdout.close()
    err = p.stderr.read().decode("utf-8", "replace")
    p.wait(timeout=60)
    return p.returncode, err


PIPED = [["studies", "-f", fmt] for fmt in ("tsv", "json", "jsonl", "csv", "table", "markdown")]


@pytest.mark.parametrize("unbuffered", ["", "1"], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize("args", [*PIPED, ["--version"], ["--help"], ["compare", "--help"]], ids=" ".join)
def test_closed_pipe_is_quiet_success(args, unbuffered):
    """The documented status for a reader that stops early is 0, whether or not a write failed:
    only then is it the same every time (a small output may fit the pipe before the reader leaves)."""
    assert _read_then_close(args, 1, PYTHONUNBUFFERED=unbuffered) == (0, "")


@pytest.mark.parametrize("args", [["studies", "-f", "json"], ["studies", "-f", "table"], ["--help"]], ids=" ".join)
def test_reader_gone_before_the_first_write_is_quiet_success(args):
    assert _read_then_close(args, 0) == (0, "")


def test_closed_pipe_is_the_same_every_time_in_a_shell():
    """`nelm ... | head -1`, repeated, with outputs larger and smaller than a pipe holds."""
    nelm_cmd = " ".join(f"'{part}'" for part in nelm_script())
    script = "; ".join(
        f"{nelm_cmd} {args} | head -1 > /dev/null; echo ${{PIPESTATUS[0]}}"
        for args in ("studies -f json", "studies -f table", "list -f csv", "--version")
        for _ in range(2)
    )
    for unbuffered in ("", "1"):
        p = subprocess.run(
            ["bash", "-c", script],
            capture_output=True,
            text=True,
            env=nelm_env(evidence=None, PYTHONUNBUFFERED=unbuffered),
            timeout=120,
        )
        assert p.stdout.split() == ["0"] * 8 and p.stderr == "", (p.stdout, p.stderr)


# -- 3. environment ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", True),
        ("true", True),
        ("TRUE", True),
        ("Yes", True),
        ("on", True),
        (" on ", True),
        ("0", False),
        ("false", False),
        ("False", False),
        ("NO", False),
        ("off", False),
        ("", False),
    ],
)
def test_flag_reads_usual_true_and_false_words(monkeypatch, value, expected):
    monkeypatch.setenv("NELM_TEST_FLAG", value)
    assert flag("NELM_TEST_FLAG") is expected
    assert flag("NELM_TEST_FLAG", default=True) is expected


def test_flag_unset_or_unknown_gives_the_default(monkeypatch):
    monkeypatch.delenv("NELM_TEST_FLAG", raising=False)
    assert flag("NELM_TEST_FLAG") is False and flag("NELM_TEST_FLAG", True) is True
    monkeypatch.setenv("NELM_TEST_FLAG", "maybe")
    assert flag("NELM_TEST_FLAG") is False and flag("NELM_TEST_FLAG", True) is True


def _boom(monkeypatch):
    import nelm.analysis.browse as q

    def boom(ev):
        raise RuntimeError("boom")

    monkeypatch.setattr(q, "list_rows", boom)


@pytest.mark.parametrize("value", ["0", "false", "No", "OFF", ""])
def test_nelm_debug_false_words_keep_internal_errors_one_line(nelm, monkeypatch, value):
    _boom(monkeypatch)
    r = nelm("list", env={"NELM_DEBUG": value})
    assert r.code == 1 and _one_error_line(r.stderr, "nelm: error: internal error: RuntimeError: boom"), r.stderr


@pytest.mark.parametrize("value", ["1", "true", "YES", "On"])
def test_nelm_debug_true_words_show_the_traceback(nelm, monkeypatch, value):
    _boom(monkeypatch)
    with pytest.raises(RuntimeError, match="boom"):
        nelm("list", env={"NELM_DEBUG": value})


def test_nelm_debug_0_prints_no_traceback_from_the_script():
    code = "import nelm.analysis.browse as q\nq.list_rows = None\nfrom nelm._entry import main\nmain()\n"
    p = subprocess.run(
        [sys.executable, "-c", code, "list"], capture_output=True, text=True, env=nelm_env(NELM_DEBUG="0")
    )
    assert p.returncode == 1 and _one_error_line(p.stderr, "nelm: error: internal error"), p.stderr


# -- 4. exit codes as documented --------------------------------------------------------------
def test_exit_codes_are_documented_in_readme_and_help(sh):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    table = {int(m) for m in re.findall(r"^\| (\d+) \|", section, re.M)}
    assert table == {int(c) for c in ExitCode}
    help_text = " ".join(sh("--help").stdout.split())
    for c in ExitCode:
        assert re.search(rf"\b{int(c)}\b", cli.EXIT_CODES) and re.search(rf"\b{int(c)}\b", help_text), c
