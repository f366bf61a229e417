"""The Checker, which reads typed fields and records problems, and the helpers the document checks share."""

from __future__ import annotations

import datetime
import math
import re
import unicodedata
from typing import TYPE_CHECKING, Any

from nelm.errors import MAX_CANDIDATES, MAX_PER_FILE, Problem, closest
from nelm.evidence.model import (
    Loc,
)
from nelm.evidence.validate.vocabulary import DATE, DOI, ID, MAX_TEXT, PMCID, PMID, TIMEPOINT, URL
from nelm.evidence.yamlsafe import Invalid, Map, Seq

if TYPE_CHECKING:
    pass


_MISSING = object()
_QUOTE = "the number {!r} where text is expected: quote the text as written"


HINT_WORK = 100_000  # about the names compared for did-you-mean hints in one run; then no more hints


class _Budget:
    __slots__ = ("left",)

    def __init__(self) -> None:
        self.left = HINT_WORK


_hints = _Budget()  # reset by each Builder


def reset_hints() -> None:
    """A new run: the full budget of did-you-mean work again."""
    _hints.left = HINT_WORK


def _hint(word: str, choices: tuple[str, ...] | list[str] | dict[str, Any], c: Checker) -> str:
    """ "; did you mean ...?" within the run's budget, and only while the file's problems are still printed."""
    if _hints.left <= 0 or c.count >= MAX_PER_FILE:
        return ""
    _hints.left -= len(choices) // 20 + min(len(choices), MAX_CANDIDATES) + 1  # scanning + comparing
    close = closest(word, choices)
    return f"; did you mean {close!r}?" if close else ""


class Checker:
    """Reads typed fields out of one file's mappings, recording problems with file and line."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file = file
        self.problems = problems
        self.count = 0  # problems of this file

    def problem(self, line: int | None, path: str, message: str) -> None:
        self.count += 1
        self.problems.append(Problem(self.file, line, path, message))

    def loc(self, m: Map) -> Loc:
        return Loc(self.file, m.line)

    def mapping(self, value: Any, line: int | None, path: str) -> Map | None:
        if isinstance(value, Map):
            return value
        if isinstance(value, Invalid):
            return None  # already reported by the reader
        self.problem(line, path, f"expected a mapping, got {_describe(value)}")
        return None

    def known(self, m: Map, path: str, fields: tuple[str, ...]) -> None:
        for key in m:
            if key not in fields:
                self.problem(
                    m.lines[key],
                    _join(path, key),
                    f"unknown field{_hint(key, fields, self)} (allowed: {', '.join(fields)})",
                )

    def get(
        self,
        m: Map,
        key: str,
        path: str,
        kind: str,
        *,
        required: bool = False,
        choices: tuple[str, ...] = (),
        pattern: re.Pattern[str] | None = None,
        low: float | None = None,
        high: float | None = None,
    ) -> Any:
        """Return a checked value of `kind` (str, int, num, bool, strs, pair) or None."""
        where = _join(path, key)
        line = m.lines.get(key, m.line)
        value = m.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required:
                self.problem(m.line, where, f"missing (expected {_expect(kind, choices)})")
            return None
        if _reported(value):
            return None
        if kind == "str" and isinstance(value, float):
            self.problem(line, where, _QUOTE.format(value))
            return None
        if kind == "strs" and isinstance(value, Seq):
            for i, x in enumerate(value):
                if isinstance(x, float):
                    self.problem(value.lines[i], f"{where}[{i}]", _QUOTE.format(x))
                    return None
        checker = getattr(self, "_" + kind)
        result = checker(value, line, where)
        if result is None:
            self.problem(line, where, f"expected {_expect(kind, choices)}, got {_describe(value)}")
            return None
        items = result if kind == "strs" else [result] if kind == "str" else []
        for item in items:
            if choices and item not in choices:
                self.problem(
                    line,
                    where,
                    f"{item!r} is not allowed{_hint(item, choices, self)} (expected one of: {', '.join(choices)})",
                )
                return None
            if pattern and not pattern.match(item):
                self.problem(
                    line, where, f"{item!r} is malformed (expected {_PATTERN_NAMES.get(pattern, pattern.pattern)})"
                )
                return None
        if kind in ("int", "num") and ((low is not None and result < low) or (high is not None and result > high)):
            self.problem(
                line,
                where,
                f"{result} is out of range (expected {low:g} to {high:g})"
                if high is not None
                else f"{result} is out of range (expected at least {low:g})",
            )
            return None
        return result

    def _str(self, v: Any, line: int, where: str) -> str | None:
        if isinstance(v, bool) or not isinstance(v, (str, int, float)):
            return None
        s = str(v).strip()
        if not s:
            self.problem(line, where, "empty text")
        elif len(s) > MAX_TEXT:
            self.problem(line, where, f"text longer than {MAX_TEXT} characters")
        return s

    def _int(self, v: Any, line: int, where: str) -> int | None:
        return v if isinstance(v, int) and not isinstance(v, bool) else None

    def _num(self, v: Any, line: int, where: str) -> float | int | None:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return None
        if isinstance(v, float) and not math.isfinite(v):
            self.problem(line, where, f"{v} is not a finite number")
            return v  # reported; keep the type check quiet
        return v

    def _bool(self, v: Any, line: int, where: str) -> bool | None:
        return v if isinstance(v, bool) else None

    def _strs(self, v: Any, line: int, where: str) -> tuple[str, ...] | None:
        if isinstance(v, Seq) and all(isinstance(x, str) and x.strip() for x in v):
            return tuple(x.strip() for x in v)
        return None

    def _pair(self, v: Any, line: int, where: str) -> tuple[float, float] | None:
        if (
            isinstance(v, Seq)
            and len(v) == 2
            and all(isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in v)
        ):
            if v[0] > v[1]:
                self.problem(line, where, f"[{v[0]}, {v[1]}] is not in order (expected [low, high])")
            return (v[0], v[1])
        return None


_PATTERN_NAMES = {
    ID: "lowercase letters, digits and hyphens",
    PMID: 'digits only, e.g. "22646257"',
    DOI: "a DOI such as 10.1586/egh.11.60",
    PMCID: "PMC followed by digits",
    URL: "an http(s) URL",
    DATE: "a date YYYY-MM-DD",
    TIMEPOINT: "a timepoint such as 5y, 6mo, 30d, 1wk",
}


_RATIOS = ("hazard-ratio", "odds-ratio", "relative-risk")


def _pair_bounds(
    c: Checker, m: Map, key: str, path: str, pair: tuple[float, float], stat: str | None, unit: str | None
) -> None:
    """A CI, range or IQR of a percentage lies within 0..100; that of a ratio is not negative."""
    if unit == "%" and (pair[0] < 0 or pair[1] > 100):
        c.problem(m.lines[key], _join(path, key), f"{_fmt(pair)} is not within 0 to 100 (the unit is %)")
    elif stat in _RATIOS and pair[0] < 0:
        c.problem(m.lines[key], _join(path, key), f"{_fmt(pair)} goes below 0 (a {stat} is never negative)")


def _ci_level(c: Checker, m: Map, path: str) -> float:
    """The confidence level as a fraction below 1, kept exactly (0.999 is a 99.9% CI)."""
    level = c.get(m, "ci_level", path, "num", low=0.5)
    if level is not None and level >= 1:
        c.problem(
            m.lines["ci_level"],
            _join(path, "ci_level"),
            f"{level:g} is not a fraction below 1 (e.g. 0.95 for a 95% CI)",
        )
        return 0.95
    return 0.95 if level is None else level


def _past_date(c: Checker, m: Map, key: str, path: str, *, required: bool = False) -> str | None:
    """A YYYY-MM-DD date that exists on the calendar and is not in the future."""
    text = c.get(m, key, path, "str", required=required, pattern=DATE)
    if text is None:
        return None
    try:
        date = datetime.date.fromisoformat(text)
    except ValueError:
        c.problem(m.lines[key], _join(path, key), f"{text} is not a calendar date")
        return None
    if date > datetime.date.today():
        c.problem(m.lines[key], _join(path, key), f"{text} is in the future")
    return text


# Never allowed in evidence text or keys: C0 and C1 controls (ESC, NUL, ...), DEL, and the
# invisible marks that reorder text on a terminal (bidi overrides and isolates) or split lines.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_ANY = re.compile(_CONTROL.pattern[:-1] + r"\t\n]")  # and tabs and line breaks, outside prose
# Prose fields may hold line breaks and tabs (block text); every other field is one line.
PROSE = ("description", "summary", "text", "note", "population", "definition", "loe_note")


def _control_characters(c: Checker, root: Map) -> None:
    """Report control characters in every key and text value of a document."""
    stack: list[tuple[Any, str, int, bool]] = [(root, "", root.line, False)]
    while stack:
        node, path, line, prose = stack.pop()
        if isinstance(node, Map):
            for key, value in reversed(node.items()):  # reversed: problems come out in file order
                where, kline = _join(path, key), node.lines.get(key, node.line)
                bad = _ANY.search(key)
                if bad:
                    c.problem(kline, where, f"the key contains {_char(bad.group())}; remove it")
                stack.append((value, where, kline, key in PROSE))
        elif isinstance(node, Seq):
            stack.extend((node[i], _join(path, i), node.lines[i], prose) for i in reversed(range(len(node))))
        elif isinstance(node, str):
            bad = _CONTROL.search(node) if prose else _ANY.search(node.strip()) or _CONTROL.search(node)
            if bad:
                extra = (
                    ""
                    if prose or bad.group() not in "\t\n"
                    else " (a line break or tab belongs only in prose such as note)"
                )
                c.problem(line, path, f"contains {_char(bad.group())}; remove it{extra}")


_CHAR_NAMES = {
    "\t": "TAB",
    "\n": "LINE FEED",
    "\r": "CARRIAGE RETURN",
    "\x1b": "ESCAPE",
    "\x00": "NUL",
    "\x7f": "DELETE",
}


def _char(ch: str) -> str:

    name = _CHAR_NAMES.get(ch) or unicodedata.name(ch, "")
    return f"the control character U+{ord(ch):04X}" + (f" ({name})" if name else "")


def _reported(value: Any) -> bool:
    """True for a value the YAML reader already reported (a number it could not read as written)."""
    return isinstance(value, Invalid) or (isinstance(value, Seq) and any(isinstance(x, Invalid) for x in value))


def _expect(kind: str, choices: tuple[str, ...]) -> str:
    if choices:
        return "one of: " + ", ".join(choices)
    return {
        "str": "text",
        "int": "a whole number",
        "num": "a number",
        "bool": "true or false",
        "strs": "a list of text items",
        "pair": "two numbers [low, high]",
    }[kind]


def _describe(v: Any) -> str:
    if v is None:
        return "nothing"
    if isinstance(v, bool):
        return f"boolean {v}"
    if isinstance(v, Map):
        return "a mapping"
    if isinstance(v, Seq):
        return "a list"
    text = repr(v)
    return f"{type(v).__name__} {text[:40] + '...' if len(text) > 40 else text}"


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _items(c: Checker, m: Map, key: str, path: str) -> list[tuple[Map, str]]:
    """The mappings of a list field, each with its path."""
    value = m.get(key)
    if value is None:
        return []
    if not isinstance(value, Seq):
        c.problem(m.lines.get(key, m.line), _join(path, key), f"expected a list, got {_describe(value)}")
        return []
    out = []
    for i, item in enumerate(value):
        where = f"{_join(path, key)}[{i}]"
        checked = c.mapping(item, value.lines[i], where)
        if checked is not None:
            out.append((checked, where))
    return out


def _fmt(v: Any) -> str:
    if isinstance(v, tuple):
        return f"[{v[0]:g}, {v[1]:g}]"
    return f"{v:g}" if isinstance(v, (int, float)) else str(v)
