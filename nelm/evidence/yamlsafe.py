"""Strict YAML reading: plain data with line numbers, none of YAML's silent surprises.

Built from the parser's event stream rather than PyYAML's constructors so that nothing is
ever instantiated from a tag, nesting depth is bounded without recursion, aliases are refused
before they can expand, duplicate keys are caught, and every value keeps its line.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from typing import Any

import yaml

try:  # libyaml is several times faster; the pure-Python parser gives the same events.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 64

_INT = re.compile(r"[-+]?[0-9]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_SPECIAL_FLOAT = {".inf": float("inf"), "+.inf": float("inf"), "-.inf": float("-inf"), ".nan": float("nan")}
_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_STD = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {
    None,
    "!",
    _STD + "str",
    _STD + "int",
    _STD + "float",
    _STD + "bool",
    _STD + "null",
    _STD + "map",
    _STD + "seq",
}


class YamlProblem(Exception):
    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class Invalid:
    """A scalar already reported as a problem; the validator skips it instead of reporting again."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


class Map(dict):  # type: ignore[type-arg]
    """A mapping that remembers the line of itself and of each key."""

    __slots__ = ("line", "lines")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.lines: dict[str, int] = {}


class Seq(list):  # type: ignore[type-arg]
    """A sequence that remembers the line of itself and of each item."""

    __slots__ = ("line", "lines")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.lines: list[int] = []


def _scalar(event: Any, notes: list[YamlProblem] | None) -> Any:
    value: str = event.value
    tag = event.tag
    if tag not in _ALLOWED_TAGS:
        raise YamlProblem(event.start_mark.line + 1, f"YAML tag {tag!r} is not allowed (plain values only)")
    if tag == _STD + "str" or event.style or tag == "!":
        return value  # quoted, block or explicitly string
    if tag is None or tag in (_STD + "int", _STD + "float", _STD + "bool", _STD + "null"):
        if value in _NULL:
            return None
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        if _INT.match(value) or _FLOAT.match(value) or value.lower() in _SPECIAL_FLOAT:
            problem = _number_problem(value)
            if problem is None:
                return int(value) if _INT.match(value) else float(value)
            note = YamlProblem(event.start_mark.line + 1, problem)
            if notes is None:
                raise note
            notes.append(note)
            return Invalid(value)
        if tag is not None:
            raise YamlProblem(event.start_mark.line + 1, f"{value!r} is not a valid {tag.rsplit(':', 1)[-1]}")
    return value  # yes/no/on/off, dates and 1:20 all stay strings


_FLOAT_DIGITS = 308  # more integer digits than a float can hold; also far below int()'s 4300-digit limit


def _number_problem(text: str) -> str | None:
    """Why an unquoted number cannot be read as written, or None when it can.

    Trailing zeros (`0.010`) are fine here: figures are written as printed and the number is the
    same; the validator rejects a number where text is expected, so `volume: 3.10` is still caught."""
    shown = text if len(text) <= 24 else text[:20] + "..."
    if text.lower() in _SPECIAL_FLOAT:
        return f"{text} is not a finite number (write the figure as printed)"
    mantissa, _, exponent = text.lower().partition("e")
    whole = mantissa.lstrip("+-").partition(".")[0]
    if not exponent and len(whole) > _FLOAT_DIGITS:
        return f"the number {shown} is too large (at most about 1.8e308)"
    if len(whole) > 1 and whole[0] == "0":
        read = str(int(text)) if _INT.match(text) else repr(float(text))
        return _would_change(shown, read)
    if _INT.match(text):
        return None
    number = float(text)
    if number in (float("inf"), float("-inf")):
        return f"the number {shown} is too large (at most about 1.8e308)"
    if number == 0 and any(d in "123456789" for d in mantissa):
        return f"the number {shown} is too small (it would be read as 0)"
    if sum(d.isdigit() for d in mantissa.lstrip("+-0.")) > 15:
        from decimal import Decimal

        if Decimal(repr(number)) != Decimal(text):
            return _would_change(shown, repr(number))
    return None


def _would_change(text: str, read: str) -> str:
    return f'{text} would be read as the number {read}: quote it if it is text ("{text}"), or write {read}'


def parse(text: str, notes: list[YamlProblem] | None = None) -> Any:
    """Parse one YAML document into Map/Seq/scalars; raise YamlProblem with a 1-based line.

    A number that cannot be read as written raises too, unless `notes` collects such problems
    (the value then becomes an Invalid). Mapping keys are always their text, never numbers."""
    stack: list[Any] = []  # containers being filled
    keys: list[Any] = []  # for Maps: pending key (or _NOKEY)
    root: Any = _NOKEY
    docs = 0
    try:
        event: Any
        for event in yaml.parse(text, Loader=_Loader):
            kind = type(event)
            if kind is yaml.ScalarEvent or kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                line = event.start_mark.line + 1
                if event.anchor is not None:
                    raise YamlProblem(line, "YAML anchors and aliases are not allowed (write the value out)")
                if kind is yaml.ScalarEvent:
                    if stack and keys[-1] is _NOKEY and type(stack[-1]) is Map:
                        if event.tag not in _ALLOWED_TAGS:
                            raise YamlProblem(line, f"YAML tag {event.tag!r} is not allowed (plain values only)")
                        node: Any = event.value  # a key: its text, so `3.10:` stays "3.10"
                    else:
                        node = _scalar(event, notes)
                else:
                    if event.tag not in _ALLOWED_TAGS:
                        raise YamlProblem(line, f"YAML tag {event.tag!r} is not allowed (plain values only)")
                    if len(stack) >= MAX_DEPTH:
                        raise YamlProblem(line, f"nesting deeper than {MAX_DEPTH} levels")
                    node = Map(line) if kind is yaml.MappingStartEvent else Seq(line)
                _attach(stack, keys, node, line)
                if kind is not yaml.ScalarEvent:
                    stack.append(node)
                    keys.append(_NOKEY)
                elif not stack:
                    root = node
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                done = stack.pop()
                keys.pop()
                if not stack:
                    root = done
            elif kind is yaml.AliasEvent:
                raise YamlProblem(
                    event.start_mark.line + 1, "YAML anchors and aliases are not allowed (write the value out)"
                )
            elif kind is yaml.DocumentStartEvent:
                docs += 1
                if docs > 1:
                    raise YamlProblem(
                        event.start_mark.line + 1, "more than one YAML document in the file (expected one)"
                    )
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise YamlProblem(
            mark.line + 1 if mark is not None else None, f"YAML syntax error: {e.problem or e.context}"
        ) from None
    except yaml.YAMLError as e:
        raise YamlProblem(None, f"YAML error: {e}") from None
    return None if root is _NOKEY else root


class _NoKey:
    __slots__ = ()


_NOKEY = _NoKey()


def _attach(stack: list[Any], keys: list[Any], node: Any, line: int) -> None:
    if not stack:
        return
    parent = stack[-1]
    if type(parent) is Seq:
        parent.append(node)
        parent.lines.append(line)
        return
    key = keys[-1]
    if key is _NOKEY:
        if isinstance(node, (Map, Seq)):
            raise YamlProblem(line, "a mapping key must be a plain value")
        key = node if isinstance(node, str) else str(node)
        if key in parent:
            raise YamlProblem(
                line, f"duplicate key {key!r} (first at line {parent.lines[key]}; the second would silently replace it)"
            )
        keys[-1] = key
        parent.lines[key] = line
    else:
        parent[key] = node
        keys[-1] = _NOKEY


def read(path: str) -> Any:
    """Read and parse a file, enforcing size, encoding and binary checks."""
    return parse_bytes(read_bytes(path))


_NOT_REGULAR = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
)


def read_bytes(path: str) -> bytes:
    """A regular file's bytes, refusing pipes, devices, sockets and folders (which could block
    or never end) and files over the size limit, without reading them whole."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as e:
        raise YamlProblem(None, f"cannot read file: {_why(path, e)}") from None
    try:
        info = os.fstat(fd)
        for test, what in _NOT_REGULAR:
            if test(info.st_mode):
                raise YamlProblem(None, f"cannot read file: it is {what}, not a regular file")
        if info.st_size > MAX_BYTES:
            raise YamlProblem(None, _TOO_LARGE)
        chunks = []
        size = 0
        while size <= MAX_BYTES:
            chunk = os.read(fd, MAX_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as e:
        raise YamlProblem(None, f"cannot read file: {e.strerror or e}") from None
    finally:
        os.close(fd)
    if size > MAX_BYTES:
        raise YamlProblem(None, _TOO_LARGE)
    return b"".join(chunks)


_TOO_LARGE = f"file is larger than {MAX_BYTES // (1024 * 1024)} MiB (split it into several files)"


def _why(path: str, e: OSError) -> str:
    if e.errno == errno.ENXIO:  # opening a socket
        try:
            if stat.S_ISSOCK(os.stat(path).st_mode):
                return "it is a socket, not a regular file"
        except OSError:
            pass
    return e.strerror or str(e)


def parse_bytes(data: bytes, notes: list[YamlProblem] | None = None) -> Any:
    """Parse a file's bytes, enforcing the encoding and binary checks (see `parse` for notes)."""
    if b"\x00" in data:
        raise YamlProblem(None, "binary file (contains NUL bytes); expected UTF-8 YAML text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise YamlProblem(line, f"not valid UTF-8 (byte 0x{data[e.start]:02x}); save the file as UTF-8") from None
    if not text.strip():
        raise YamlProblem(None, "empty file (expected a YAML mapping with schema: and kind:)")
    tree = parse(text, notes)
    if tree is None:
        raise YamlProblem(None, "no content, only comments or null (expected a YAML mapping with schema: and kind:)")
    return tree
