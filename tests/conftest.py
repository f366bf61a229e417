"""Shared fixtures: run nelm in-process or as the installed console script."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

from nelm.cli import main

settings.register_profile(
    "ci", max_examples=40, derandomize=True, database=None
)  # reproducible; HYPOTHESIS_PROFILE=long explores
settings.register_profile("long", max_examples=5000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_EVIDENCE = Path(__file__).resolve().parent / "fixtures" / "evidence"
SEEDS = ROOT.parent / "shared" / "seeds"


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    """Keep the parse cache of the test run out of the user's ~/.cache."""
    os.environ["NELM_CACHE_DIR"] = str(tmp_path_factory.mktemp("nelm-cache"))


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


@pytest.fixture
def nelm(capsys, monkeypatch):
    """Run nelm in-process on the frozen fixture evidence: nelm("list", "-f", "json")."""

    def run(*args: str, env: dict[str, str] | None = None, evidence: Path | None = FIXTURE_EVIDENCE) -> Run:
        if evidence is None:
            monkeypatch.delenv("NELM_EVIDENCE_DIR", raising=False)
        else:
            monkeypatch.setenv("NELM_EVIDENCE_DIR", str(evidence))
        for k in ("NO_COLOR", "FORCE_COLOR"):
            monkeypatch.delenv(k, raising=False)
        for k, v in (env or {}).items():
            monkeypatch.setenv(k, v)
        capsys.readouterr()
        code = main(list(args))
        out = capsys.readouterr()
        return Run(code, out.out, out.err)

    return run


def nelm_script() -> list[str]:
    """The installed console script if present, else the module."""
    script = Path(sys.executable).parent / "nelm"
    if script.exists():
        return [str(script)]
    found = shutil.which("nelm")
    return [found] if found else [sys.executable, "-m", "nelm"]


@pytest.fixture
def sh(tmp_path):
    """Run the installed console script as a subprocess from another directory."""

    def run(
        *args: str,
        env: dict[str, str] | None = None,
        evidence: Path | None = FIXTURE_EVIDENCE,
        input: str | None = None,
        timeout: float = 30,
    ) -> Run:
        e = {k: v for k, v in os.environ.items() if k not in ("NELM_EVIDENCE_DIR", "NO_COLOR", "FORCE_COLOR")}
        if evidence is not None:
            e["NELM_EVIDENCE_DIR"] = str(evidence)
        e.update(env or {})
        p = subprocess.run(
            [*nelm_script(), *args], cwd=tmp_path, env=e, capture_output=True, text=True, input=input, timeout=timeout
        )
        return Run(p.returncode, p.stdout, p.stderr)

    return run


@pytest.fixture
def evidence_copy(tmp_path):
    """A writable copy of the fixture evidence."""
    dest = tmp_path / "evidence"
    shutil.copytree(FIXTURE_EVIDENCE, dest)
    return dest


# -- processes that receive signals (test_signals_streams.py, test_properties.py) ------------
TRACE_MARKERS = ("Traceback", "internal error", "Exception ignored", "Fatal Python error")


def nelm_env(evidence: Path | None = FIXTURE_EVIDENCE, **extra: str) -> dict[str, str]:
    """The environment of a nelm subprocess: the fixture evidence unless evidence is None."""
    env = {k: v for k, v in os.environ.items() if k not in ("NELM_EVIDENCE_DIR", "NO_COLOR", "FORCE_COLOR")}
    if evidence is not None:
        env["NELM_EVIDENCE_DIR"] = str(evidence)
    env.update(extra)
    return env


def handles_signals(pid: int) -> bool:
    """Whether the process catches SIGTERM, i.e. nelm's handlers are installed (Python alone does not)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            caught = next(int(line.split()[1], 16) for line in fh if line.startswith("SigCgt:"))
    except (OSError, StopIteration):
        return False
    return bool(caught & (1 << (signal.SIGTERM - 1)))


def wait_for_handlers(proc: subprocess.Popen, timeout: float = 30) -> bool:
    """Wait until nelm's own code runs in `proc` (its signal handlers are installed); False if it ended first."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        if handles_signals(proc.pid):
            return True
        time.sleep(0.0005)
    return False


needs_proc = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
