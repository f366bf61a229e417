"""The CLI's one error boundary: every expected failure becomes one line on stderr and an exit code."""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from nelm.cli.envflags import flag
from nelm.cli.streams import OutputFailed, PipeClosed
from nelm.errors import EvidenceError, ExitCode, NelmError, UsageError


def main(argv: list[str] | None = None) -> int:
    """Run the CLI in this process and return its exit status. SIGINT and SIGTERM end the process
    at once, quietly, with 130 or 143 (as the `nelm` script does from its first line)."""
    previous = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            previous[signum] = signal.signal(signum, _exit_on_signal)
        except ValueError:  # not the main thread: the embedding program handles signals
            pass
    try:
        return _run(argv)
    finally:
        for signum, handler in previous.items():
            if handler is not None:
                signal.signal(signum, handler)


def _exit_on_signal(signum: int, frame: object) -> None:
    os._exit(128 + signum)  # no flush: it could block on a full pipe (see nelm._entry)


def _run(argv: list[str] | None) -> int:
    import typer
    from typer import _click

    from nelm.cli.commands import app
    from nelm.render.output import use_utf8

    use_utf8(sys.stdout, sys.stderr)
    try:
        command = typer.main.get_command(app)
        rc: Any = command.main(args=argv, prog_name="nelm", standalone_mode=False)
        sys.stdout.flush()
        return rc if isinstance(rc, int) else ExitCode.OK
    except EvidenceError as e:
        for p in e.problems:
            sys.stderr.write(f"{p}\n")
        return _fail(e)
    except NelmError as e:
        return _fail(e)
    except PipeClosed:  # the reader has all it wanted: not an error, whatever got buffered
        return ExitCode.OK
    except OutputFailed as e:
        return _fail(NelmError(f"cannot write output: {e}"))
    except _click.exceptions.NoArgsIsHelpError as e:
        sys.stderr.write(e.ctx.get_help() + "\n" if e.ctx else "")
        return ExitCode.USAGE
    except _click.exceptions.UsageError as e:
        hint = f"see 'nelm {e.ctx.info_name if e.ctx and e.ctx.parent else ''} --help'".replace("  ", " ")
        return _fail(UsageError(" ".join(e.format_message().split()), hint))
    except (typer.Abort, KeyboardInterrupt):  # only where our handlers could not be installed
        return ExitCode.INTERRUPTED
    except BrokenPipeError:  # stdout not guarded (nelm run in-process)
        _silence_stdout()
        return ExitCode.OK
    except SystemExit as e:  # Click and Rich exit 1 on a closed pipe when stdout is not guarded
        if isinstance(e.__context__, BrokenPipeError):
            _silence_stdout()
            return ExitCode.OK
        return e.code if isinstance(e.code, int) else ExitCode.DATA
    except Exception as e:  # noqa: BLE001 - the boundary of last resort
        if flag("NELM_DEBUG"):
            raise
        return _fail(
            NelmError(f"internal error: {type(e).__name__}: {e}", "please report it; NELM_DEBUG=1 shows the traceback")
        )
    finally:
        _cache_warning()


def _cache_warning() -> None:
    """The parse cache's one warning of the run, if loading found it unsafe (core modules never print)."""
    cache = sys.modules.get("nelm.evidence.cache")  # imported only if evidence was loaded
    reason = cache.close() if cache else None
    if reason:
        try:
            sys.stderr.write(f"nelm: warning: {reason}\n")
        except OSError:
            pass


def _fail(e: NelmError) -> int:
    hint = f" ({e.hint})" if e.hint else ""
    try:
        sys.stderr.write(f"nelm: error: {e.message}{hint}\n")
    except OSError:
        pass
    return int(e.exit_code)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
