"""A pager for output longer than the terminal: only when stdout is a terminal, never when piped.

`NELM_PAGER` (then `PAGER`, then `less -FRX`) names the pager; an empty `NELM_PAGER` or
`--no-pager` (`NELM_NO_PAGER=1`) turns it off. Output that fits the screen is written directly.
"""

from __future__ import annotations

import io
import os
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from nelm.cli.envflags import flag

DEFAULT = "less -FRX"


def command(env: dict[str, str] | os._Environ[str] = os.environ) -> list[str] | None:
    """The pager to run, or None when paging is off or no pager is installed."""
    if flag("NELM_NO_PAGER"):
        return None
    text = env["NELM_PAGER"] if "NELM_PAGER" in env else env.get("PAGER") or DEFAULT
    try:
        argv = shlex.split(text)
    except ValueError:
        return None
    if not argv or argv[0] in ("cat", "-"):
        return None
    return argv if shutil.which(argv[0]) else None


@contextmanager
def paged(out: object, height: int | None) -> Iterator[None]:
    """Collect what is written to out.stdout; page it if it is longer than `height` lines."""
    stream: TextIO = out.stdout  # type: ignore[attr-defined]
    argv = command() if getattr(out, "stdout_tty", False) and height else None
    if argv is None:
        yield
        return
    buffer = io.StringIO()
    out.stdout = buffer  # type: ignore[attr-defined]
    try:
        yield
    finally:
        out.stdout = stream  # type: ignore[attr-defined]
    text = buffer.getvalue()
    if height is None or text.count("\n") < height:
        stream.write(text)
        return
    stream.flush()
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, text=True, encoding="utf-8", errors="replace")
    except OSError:
        stream.write(text)
        return
    try:
        assert proc.stdin is not None
        proc.stdin.write(text)
        proc.stdin.close()
    except BrokenPipeError:  # the reader quit the pager early: not an error
        pass
    proc.wait()


def terminal_height() -> int | None:
    """LINES when it is a positive number, else the terminal's height."""
    lines = os.environ.get("LINES", "")
    if lines.isdigit() and int(lines) > 0:
        return int(lines)
    try:
        return os.get_terminal_size().lines
    except OSError:
        return None
