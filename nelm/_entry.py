"""The `nelm` script and `python -m nelm`. SIGINT and SIGTERM are handled from the first line,
before any other import, so that a signal at any moment ends nelm quietly with 130 or 143."""

# _signal, the C module, not signal, which first builds its enums: until the handlers are in
# place, Ctrl-C prints a traceback.
import _signal
import os
import sys


def _exit_on_signal(signum: int, frame: object) -> None:
    # No flush and no message: a flush can block on a full pipe or re-enter the write that the
    # signal interrupted, and an interrupted run's output is incomplete anyway.
    os._exit(128 + signum)  # 130, 143


# At import, not in main(): pip's script compiles a regular expression in between.
_signal.signal(_signal.SIGINT, _exit_on_signal)
_signal.signal(_signal.SIGTERM, _exit_on_signal)


def main() -> None:
    from nelm.cli import streams

    streams.guard()
    from nelm.cli.boundary import main as run

    code = run(sys.argv[1:])
    sys.stderr.flush()  # never raises once guarded
    os._exit(code)  # stdout is flushed by the boundary; no shutdown flush may fail after it
