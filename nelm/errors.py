"""Exit codes and the exceptions that carry them to the CLI's one error boundary."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from nelm.output import printable


class ExitCode(IntEnum):
    OK = 0
    DATA = 1  # invalid evidence, unreadable file, other data or runtime error
    USAGE = 2  # unknown command, option, modality, outcome, field or format
    INTERRUPTED = 130
    TERMINATED = 143


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an evidence file, located as precisely as known."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        message = " ".join(self.message.split())  # always one line, whatever the YAML library said
        text = f"{where}: {self.field}: {message}" if self.field else f"{where}: {message}"
        return printable(text, newline=False)  # evidence text never drives the terminal


class NelmError(Exception):
    """An expected failure: printed as one line, never as a traceback."""

    exit_code = ExitCode.DATA

    def __init__(self, message: str, hint: str = "") -> None:
        message, hint = printable(message, newline=False), printable(hint, newline=False)
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(NelmError):
    exit_code = ExitCode.USAGE


class EvidenceError(NelmError):
    """The evidence is invalid; carries every problem found, not only the first."""

    def __init__(self, problems: list[Problem]) -> None:
        n = len(problems)
        super().__init__(f"the evidence has {n} problem{'s' if n != 1 else ''}", "run 'nelm validate' for details")
        self.problems = problems
