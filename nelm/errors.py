"""Exit codes, the exceptions that carry them to the CLI's one error boundary, and the shape of
the messages they print."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

MAX_PER_FILE = 50  # problems printed per file; the rest are counted on one line
MAX_PRINTED = 1000  # problems printed in all
MAX_CANDIDATES = 2000  # names compared for one did-you-mean hint
MAX_WORD = 64  # longer words get no hint: similarity is quadratic in length


class ExitCode(IntEnum):
    OK = 0
    DATA = 1  # invalid evidence, unreadable file, other data or runtime error
    USAGE = 2  # unknown command, option, modality, outcome, field or format
    INTERRUPTED = 130
    TERMINATED = 143


# Characters that would split a one-line message or reorder it on a terminal.
_UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"
)


def escape(text: str) -> str:
    """`text` with control and bidi characters written as escapes, so it stays on one line."""
    return _UNPRINTABLE.sub(_escaped, text)


def _escaped(m: re.Match[str]) -> str:
    code = ord(m.group())
    return {9: "\\t", 10: "\\n", 13: "\\r"}.get(code) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an evidence file, located as precisely as known."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        file = escape(self.file)
        where = f"{file}:{self.line}" if self.line else file
        message = escape(" ".join(self.message.split()))  # one line, whatever the YAML library said
        prefix = f"{where}: " if where else ""
        return f"{prefix}{escape(self.field)}: {message}" if self.field else f"{prefix}{message}"


def printable(problems: list[Problem]) -> list[Problem]:
    """The problems to print: at most MAX_PER_FILE per file and about MAX_PRINTED in all, each
    cut marked by one line that counts what was left out."""
    total: dict[str, int] = {}
    for p in problems:
        total[p.file] = total.get(p.file, 0) + 1
    shown: list[Problem] = []
    printed: dict[str, int] = {}
    over = 0
    over_files: set[str] = set()
    for p in problems:
        count = printed.get(p.file, 0)
        if count >= MAX_PER_FILE:
            continue  # counted by the file's own "... and N more" line
        if len(shown) >= MAX_PRINTED:
            over += 1
            over_files.add(p.file)
            continue
        printed[p.file] = count = count + 1
        shown.append(p)
        if count == MAX_PER_FILE and total[p.file] > count:
            more = total[p.file] - count
            shown.append(Problem(p.file, None, "", f"... and {more} more problem{'s' * (more != 1)} in this file"))
    if over:
        files = len(over_files)
        shown.append(Problem("", None, "", f"... and {over} more problems in {files} file{'s' * (files != 1)}"))
    return shown


def closest(word: str, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The choice most like `word` (a did-you-mean hint), comparing at most MAX_CANDIDATES
    names so that a huge vocabulary stays cheap."""
    if not word or len(word) > MAX_WORD:
        return None
    # difflib's ratio is 2*matches/(len(a)+len(b)): lengths outside these bounds can never reach cutoff
    low, high = len(word) * cutoff / (2 - cutoff), len(word) * (2 - cutoff) / cutoff
    candidates = []
    for c in choices:
        if c == word:
            return c
        if low <= len(c) <= high:
            candidates.append(c)
    if len(candidates) > MAX_CANDIDATES:
        first = [c for c in candidates if c[:1] == word[:1]]  # typos are rarest in the first letter
        candidates = (first or candidates)[:MAX_CANDIDATES]
    import difflib

    close = difflib.get_close_matches(word, candidates, n=1, cutoff=cutoff)
    return close[0] if close else None


class NelmError(Exception):
    """An expected failure: printed as one line, never as a traceback."""

    exit_code = ExitCode.DATA

    def __init__(self, message: str, hint: str = "") -> None:
        message, hint = escape(message), escape(hint)  # evidence text never drives the terminal
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(NelmError):
    exit_code = ExitCode.USAGE


class EvidenceError(NelmError):
    """The evidence is invalid. `problems` is what to print (bounded, see `printable`);
    `all_problems` is every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        n = len(problems)
        super().__init__(f"the evidence has {n} problem{'s' if n != 1 else ''}", "run 'nelm validate' for details")
        self.all_problems = problems
        self.problems = printable(problems)
