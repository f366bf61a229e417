"""The pager (issue 11): long output on a terminal goes through $NELM_PAGER/$PAGER; never when piped."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

from conftest import FIXTURE_EVIDENCE, nelm_script

from nelm.cli import pager


def _pager_script(tmp_path):
    out = tmp_path / "paged.txt"
    script = tmp_path / "pager.py"
    script.write_text(f"import sys; open({str(out)!r}, 'w').write(sys.stdin.read())\n")
    return f"{sys.executable} {script}", out


def _on_a_terminal(args, env):
    """Run nelm with stdout on a pseudo-terminal; return what reached the terminal."""
    main, child = pty.openpty()
    p = subprocess.Popen([*nelm_script(), *args], stdout=child, stderr=subprocess.PIPE, env=env)
    os.close(child)
    chunks = []
    while True:
        try:
            data = os.read(main, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    p.wait(timeout=60)
    os.close(main)
    return p.returncode, b"".join(chunks).decode("utf-8", "replace")


def _env(pager_cmd, **extra):
    e = {k: v for k, v in os.environ.items() if k not in ("PAGER", "NELM_PAGER", "NELM_NO_PAGER")}
    e.update(NELM_EVIDENCE_DIR=str(FIXTURE_EVIDENCE), NELM_CACHE="0", COLUMNS="80", LINES="10", NELM_PAGER=pager_cmd)
    e.update(extra)
    return e


def test_long_output_on_a_terminal_goes_through_the_pager(tmp_path):
    cmd, out = _pager_script(tmp_path)
    code, shown = _on_a_terminal(["compare", "tace", "rfa"], _env(cmd))
    assert code == 0 and out.exists() and "Summary of findings" in out.read_text()
    assert "Summary of findings" not in shown


def test_no_pager_and_short_output_are_written_directly(tmp_path):
    cmd, out = _pager_script(tmp_path)
    code, shown = _on_a_terminal(["--no-pager", "compare", "tace", "rfa"], _env(cmd))
    assert code == 0 and "Summary of findings" in shown and not out.exists()
    code, shown = _on_a_terminal(["list"], _env(cmd, LINES="500"))
    assert code == 0 and "Modality" in shown and not out.exists()


def test_piped_output_is_never_paged(tmp_path):
    cmd, out = _pager_script(tmp_path)
    r = subprocess.run([*nelm_script(), "compare", "tace", "rfa", "-f", "table"], capture_output=True, env=_env(cmd))
    assert r.returncode == 0 and "Summary of findings" in r.stdout.decode() and not out.exists()


def test_pager_choice_follows_the_environment(monkeypatch):
    monkeypatch.delenv("NELM_NO_PAGER", raising=False)
    assert pager.command({"NELM_PAGER": "", "PAGER": "less"}) is None  # empty NELM_PAGER: off
    assert pager.command({"NELM_PAGER": "cat"}) is None
    assert pager.command({"PAGER": "definitely-not-a-pager-xyz"}) is None
    assert pager.command({"PAGER": f"{sys.executable} -c pass"}) == [sys.executable, "-c", "pass"]
    monkeypatch.setenv("NELM_NO_PAGER", "1")
    assert pager.command({"PAGER": f"{sys.executable} -c pass"}) is None
