"""Where and how output goes: streams, terminal detection, colour and width."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import TextIO

FORMATS = ("auto", "table", "json", "jsonl", "csv", "tsv", "markdown")


@dataclass
class Output:
    stdout: TextIO
    stderr: TextIO
    stdout_tty: bool
    color: bool
    width: int | None = None

    @classmethod
    def from_env(cls, no_color: bool = False) -> Output:
        tty = _isatty(sys.stdout)
        env = os.environ
        color = (
            not no_color
            and not env.get("NO_COLOR")
            and env.get("TERM") != "dumb"
            and (tty or bool(env.get("FORCE_COLOR")))
        )
        return cls(sys.stdout, sys.stderr, tty, color)

    def resolve_format(self, fmt: str) -> str:
        """'auto' is a table on a terminal and tab-separated text elsewhere."""
        if fmt == "auto":
            return "table" if self.stdout_tty else "tsv"
        return fmt

    def note(self, message: str) -> None:
        """A message for the person, never mixed into the data on stdout."""
        self.stderr.write(f"nelm: {message}\n")


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
