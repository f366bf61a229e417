"""A cache of parsed evidence files, so that start-up does not re-parse unchanged YAML.

Entries are JSON (data, never code), named by a hash of the file's bytes and of nelm's version,
so an edited file or a new reader simply misses. A missing, unreadable or tampered entry is a
miss; a cache that cannot be written is ignored. `NELM_CACHE=0` turns it off; `NELM_CACHE_DIR`
moves it (default `$XDG_CACHE_HOME/nelm`, else `~/.cache/nelm`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from nelm import __version__
from nelm.yamlsafe import MAX_DEPTH, Map, Seq

_SCALARS = (str, int, float, bool, type(None))


def directory() -> Path | None:
    if os.environ.get("NELM_CACHE", "1") == "0":
        return None
    base = os.environ.get("NELM_CACHE_DIR")
    if not base:
        base = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "nelm")
    return Path(base)


def _entry(data: bytes) -> Path | None:
    folder = directory()
    if folder is None:
        return None
    digest = hashlib.sha256(__version__.encode() + b"\0" + data).hexdigest()
    return folder / f"{digest}.json"


def get(data: bytes) -> Any:
    """The parsed tree of a file with these bytes, or None."""
    entry = _entry(data)
    if entry is None:
        return None
    try:
        with open(entry, encoding="utf-8") as fh:
            return _decode(json.load(fh), 0)
    except (OSError, ValueError, TypeError, KeyError, IndexError, RecursionError):
        return None


def put(data: bytes, tree: Any) -> None:
    entry = _entry(data)
    if entry is None:
        return
    try:
        entry.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=entry.parent, suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(_encode(tree), fh, separators=(",", ":"))
        os.replace(tmp, entry)
    except (OSError, ValueError):
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _encode(node: Any) -> Any:
    if isinstance(node, Map):
        return ["m", node.line, [[k, node.lines[k], _encode(v)] for k, v in node.items()]]
    if isinstance(node, Seq):
        return ["s", node.line, [[line, _encode(v)] for line, v in zip(node.lines, node, strict=True)]]
    return node


def _decode(node: Any, depth: int) -> Any:
    if isinstance(node, _SCALARS):
        return node
    if depth > MAX_DEPTH or not isinstance(node, list) or len(node) != 3 or not isinstance(node[1], int):
        raise ValueError("malformed cache entry")
    tag, line, items = node
    if tag == "m":
        m = Map(line)
        for key, key_line, value in items:
            if not isinstance(key, str) or not isinstance(key_line, int):
                raise ValueError("malformed cache entry")
            m[key] = _decode(value, depth + 1)
            m.lines[key] = key_line
        return m
    if tag == "s":
        s = Seq(line)
        for item_line, value in items:
            if not isinstance(item_line, int):
                raise ValueError("malformed cache entry")
            s.append(_decode(value, depth + 1))
            s.lines.append(item_line)
        return s
    raise ValueError("malformed cache entry")
