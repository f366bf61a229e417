"""The process's standard streams, made safe to write to.

A failed write to stdout becomes OutputFailed (PipeClosed when the reader has gone), an exception
that neither Click nor Rich intercept, so the CLI's boundary decides the exit status. Writes to
stderr never fail. A descriptor closed at start is reopened on /dev/null so that no file nelm opens
later takes its number: read-only for stdout (writes then fail with EBADF), writable for stderr.
"""

from __future__ import annotations

import errno
import io
import os
import sys
from typing import TextIO


class OutputFailed(Exception):
    """stdout could not be written."""

    def __init__(self, error: OSError) -> None:
        super().__init__("stdout is closed" if error.errno == errno.EBADF else error.strerror or str(error))
        self.error = error


class PipeClosed(OutputFailed):
    """The reader of stdout has gone, e.g. `nelm studies | head -1`."""


class _Stdout(io.FileIO):
    def write(self, b: bytes) -> int | None:  # type: ignore[override]
        try:
            return super().write(b)
        except BrokenPipeError as e:
            raise PipeClosed(e) from None
        except OSError as e:
            raise OutputFailed(e) from None


class _Stderr(io.FileIO):
    def write(self, b: bytes) -> int | None:  # type: ignore[override]
        try:
            return super().write(b)
        except OSError:  # a message that cannot be shown must not change the outcome
            return memoryview(b).nbytes


def guard() -> None:
    """Replace sys.stdout and sys.stderr by guarded streams with the same settings (once per process)."""
    sys.stdout = _reopen(1, _Stdout, sys.stdout, os.O_RDONLY)
    sys.stderr = _reopen(2, _Stderr, sys.stderr, os.O_WRONLY)


def _reopen(fd: int, raw_type: type[io.FileIO], old: TextIO | None, devnull_mode: int) -> TextIO:
    try:
        os.fstat(fd)
    except OSError:  # closed before nelm started
        spare = os.open(os.devnull, devnull_mode)
        if spare != fd:
            os.dup2(spare, fd)
            os.close(spare)
        old = None
    if old is not None:
        try:
            old.flush()
        except (OSError, ValueError):
            pass
    raw = raw_type(fd, "w", closefd=False)
    unbuffered = isinstance(getattr(old, "buffer", None), io.RawIOBase)  # python -u, PYTHONUNBUFFERED
    return io.TextIOWrapper(
        raw if unbuffered else io.BufferedWriter(raw),  # type: ignore[arg-type]
        encoding=getattr(old, "encoding", None) or "utf-8",
        errors=getattr(old, "errors", None) or "backslashreplace",
        line_buffering=getattr(old, "line_buffering", False),
        write_through=getattr(old, "write_through", unbuffered),
    )
