"""Where and how output goes: streams, terminal detection, colour, width, encoding, and what may
reach a terminal."""

from __future__ import annotations

import codecs
import os
import re
import sys
from dataclasses import dataclass
from typing import TextIO

FORMATS = ("auto", "table", "json", "jsonl", "csv", "tsv", "markdown")
DEFAULT_WIDTH = 80
MAX_WIDTH = 10_000

# Characters that a terminal or a text viewer acts on instead of showing: C0 and C1 controls
# (ESC starts a terminal command; CR and backspace overwrite), DEL, the bidirectional embedding,
# override, isolate and mark characters ("Trojan Source"), the Unicode line and paragraph separators,
# and lone surrogates (not encodable). Newline is handled by each format.
UNSAFE = "\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_UNSAFE = re.compile(f"[{UNSAFE}]")
_UNSAFE_OR_NEWLINE = re.compile(f"[{UNSAFE}\n]")


def _escape(m: re.Match[str]) -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def printable(text: str, *, newline: bool = True) -> str:
    """Text made safe to show: each unsafe character becomes a visible escape such as '\\x1b' or
    '\\u202e'. Newlines are kept when `newline`, else escaped as '\\x0a'."""
    return (_UNSAFE if newline else _UNSAFE_OR_NEWLINE).sub(_escape, text)


@dataclass
class Output:
    stdout: TextIO
    stderr: TextIO
    stdout_tty: bool
    color: bool
    width: int | None = None

    @classmethod
    def from_env(cls, no_color: bool = False) -> Output:
        use_utf8(sys.stdout, sys.stderr)
        tty = _isatty(sys.stdout)
        env = os.environ
        color = (
            not no_color
            and not env.get("NO_COLOR")
            and env.get("TERM") != "dumb"
            and (tty or bool(env.get("FORCE_COLOR")))
        )
        return cls(sys.stdout, sys.stderr, tty, color, terminal_width(sys.stdout))

    def resolve_format(self, fmt: str) -> str:
        """'auto' is a table on a terminal and tab-separated text elsewhere."""
        if fmt == "auto":
            return "table" if self.stdout_tty else "tsv"
        return fmt

    def table_width(self) -> int:
        return self.width if self.width and self.width > 0 else terminal_width(self.stdout)

    def note(self, message: str) -> None:
        """A message for the person, never mixed into the data on stdout; always one safe line."""
        self.stderr.write(f"nelm: {printable(message, newline=False)}\n")


def use_utf8(*streams: TextIO) -> None:
    """Write UTF-8 whatever the locale (LC_ALL=C, PYTHONIOENCODING=ascii): JSON must be UTF-8 and
    text must not be altered. Lone surrogates, which UTF-8 cannot carry, become backslash escapes."""
    for stream in streams:
        try:
            if codecs.lookup(stream.encoding or "ascii").name != "utf-8" or stream.errors == "strict":
                stream.reconfigure(encoding="utf-8", errors="backslashreplace")  # type: ignore[attr-defined]
        except (AttributeError, LookupError, ValueError, OSError):
            pass


def terminal_width(stream: TextIO) -> int:
    """COLUMNS when it is a positive number, else the terminal's width, else 80."""
    raw = os.environ.get("COLUMNS", "").strip()
    if raw.isdigit() and int(raw) > 0:
        return min(int(raw), MAX_WIDTH)
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        columns = 0
    return min(columns, MAX_WIDTH) if columns > 0 else DEFAULT_WIDTH


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
