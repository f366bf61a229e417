"""The `nelm` script and `python -m nelm`. Signal handlers come first, before any other import,
so that SIGINT or SIGTERM at any moment ends nelm quietly with 130 or 143."""

from __future__ import annotations

import os
import signal
import sys

SIGNALS = (signal.SIGINT, signal.SIGTERM)  # exit 128 + number: 130 and 143


def _exit_on_signal(signum: int, frame: object) -> None:
    # No flush and no message: a flush can block on a full pipe or re-enter the write that the
    # signal interrupted, and an interrupted run's output is incomplete anyway.
    os._exit(128 + signum)


def handle_signals() -> dict[int, object]:
    """Make SIGINT and SIGTERM end the process at once; returns the handlers they replace."""
    previous: dict[int, object] = {}
    for signum in SIGNALS:
        try:
            previous[signum] = signal.signal(signum, _exit_on_signal)
        except ValueError:  # not the main thread: the embedding program handles signals
            pass
    return previous


def main() -> None:
    handle_signals()
    from nelm import streams

    streams.guard()
    from nelm.boundary import main as run

    code = run(sys.argv[1:])
    sys.stderr.flush()  # never raises once guarded
    os._exit(code)  # stdout is flushed by the boundary; no shutdown flush may fail after it
