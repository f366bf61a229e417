"""A cache of parsed evidence files, so that start-up does not re-parse unchanged YAML.

Trust model (docs/security.md): only entries this user's nelm wrote are believed. The folder must
be a real directory owned by the user and writable by no one else; every entry carries an
HMAC-SHA256 under a random per-user key kept 0600 in that folder. Anything else (a foreign,
damaged, oversized or non-regular entry) is a miss, parsed again and overwritten. An unsafe folder
or key disables the cache for the run with one warning, which the caller shows (see `close`).

Entries are JSON data, never code, named by a hash of nelm's version and the file's bytes, and at
most a fixed multiple of the file's size. `NELM_CACHE=0|false|no|off` turns the cache off;
`NELM_CACHE_DIR` moves it (default `$XDG_CACHE_HOME/nelm`, else `~/.cache/nelm`).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nelm import __version__

KEY_FILE = "key"
KEY_BYTES = 32
ENTRY_RATIO = 3  # an entry's payload is at most this many times the file's size...
ENTRY_SLACK = 4096  # ...plus this, so that tiny files still cache
OFF = ("0", "false", "no", "off")
ON = ("", "1", "true", "yes", "on")  # empty means unset

_MAGIC = b"nelm cache 2\n"
_MAC_BYTES = 32
_SCALARS = (str, int, float, bool, type(None))
_SUPPORTED = (
    hasattr(os, "geteuid")
    and hasattr(os, "O_NOFOLLOW")
    and hasattr(os, "O_DIRECTORY")
    and {os.open, os.rename, os.link, os.unlink} <= os.supports_dir_fd
)
_READ = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


@dataclass
class _Store:
    folder: Path
    setting: str  # NELM_CACHE as read
    fd: int | None  # the verified folder, opened once; all entry access is relative to it
    key: bytes
    warning: str | None = None

    def usable(self) -> tuple[int, bytes] | None:
        return None if self.fd is None else (self.fd, self.key)


_current: _Store | None = None


def directory() -> Path | None:
    """Where the cache lives, or None when NELM_CACHE turns it off."""
    if os.environ.get("NELM_CACHE", "").strip().lower() in OFF:
        return None
    base = os.environ.get("NELM_CACHE_DIR")
    if not base:
        base = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "nelm")
    return Path(base)


def get(data: bytes) -> Any:
    """The parsed tree of a file with these bytes, or None."""
    store = _store()
    if store is None:
        return None
    folder, key = store
    name = _name(data)
    limit = len(_MAGIC) + _MAC_BYTES + _payload_limit(len(data))
    try:
        fd = os.open(name, _READ, dir_fd=folder)  # no links followed; a FIFO cannot block
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid() or st.st_size > limit:
            return None
        blob = _read_at_most(fd, limit)
    except OSError:
        return None
    finally:
        os.close(fd)
    h = len(_MAGIC)
    head, mac, payload = blob[:h], blob[h : h + _MAC_BYTES], blob[h + _MAC_BYTES :]
    if head != _MAGIC or not hmac.compare_digest(mac, _mac(key, name, payload)):
        return None
    try:
        return _decode(json.loads(payload))
    except (ValueError, TypeError, IndexError, RecursionError):
        return None


def put(data: bytes, tree: Any) -> None:
    """Remember `tree` as the parse of `data`, unless its entry would exceed the size cap."""
    store = _store()
    if store is None or tree is None:  # a None tree would read back as a miss
        return
    folder, key = store
    try:
        payload = json.dumps(_encode(tree), separators=(",", ":"), ensure_ascii=False).encode()
    except (ValueError, TypeError, RecursionError):
        return
    if len(payload) > _payload_limit(len(data)):
        return  # pathological shapes are parsed every time rather than bloat the cache
    name = _name(data)
    _write(folder, name, _MAGIC + _mac(key, name, payload) + payload)


def close() -> str | None:
    """End this run's use of the cache; return the warning to show once, if it was ignored."""
    global _current
    store, _current = _current, None
    if store is None:
        return None
    if store.fd is not None:
        os.close(store.fd)
    return store.warning


# -- the folder and its key ------------------------------------------------------------------
def _store() -> tuple[int, bytes] | None:
    """The verified cache folder's descriptor and key, or None (off, or ignored this run)."""
    global _current
    folder = directory()
    if folder is None or not _SUPPORTED:
        return None
    setting = os.environ.get("NELM_CACHE", "").strip().lower()
    if _current is not None and (_current.folder, _current.setting) == (folder, setting):
        return _current.usable()
    close()
    if setting not in ON:
        why = f"NELM_CACHE={setting!r} is not one of {', '.join(OFF + ON[1:])}; cache off"
        _current = _Store(folder, setting, None, b"", why)
        return None
    fd, warning = _open_folder(folder)
    key = b""
    if fd is not None:
        key, warning = _key(fd, folder)
        if not key:
            os.close(fd)
            fd = None
    _current = _Store(folder, setting, fd, key, warning)
    return _current.usable()


def _open_folder(folder: Path) -> tuple[int | None, str | None]:
    """The folder opened for use, creating it private; else (None, why it is unsafe or None)."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.mkdir(folder, 0o700)
        except FileExistsError:
            pass
    except OSError:
        return None, None  # cannot be created: simply no cache, as on a read-only home
    ignored = f"cache folder {folder}"
    try:
        if stat.S_ISLNK(os.lstat(folder).st_mode):
            return None, f"{ignored} is a symbolic link; cache ignored"
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
        st = os.fstat(fd)
    except OSError as e:
        return None, f"{ignored} cannot be opened ({e.strerror}); cache ignored"
    why = None
    if st.st_uid != os.geteuid():
        why = f"{ignored} belongs to another user (uid {st.st_uid}); cache ignored"
    elif st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        why = f"{ignored} is writable by other users; cache ignored (chmod 700 it to use it)"
    if why:
        os.close(fd)
        return None, why
    return fd, None


def _key(fd: int, folder: Path) -> tuple[bytes, str | None]:
    """The user's MAC key from the folder, created on first use; else (b"", why)."""
    unsafe = (
        f"cache key {folder / KEY_FILE} is not a private (0600) file of {KEY_BYTES} bytes owned by you; "
        "cache ignored (delete it to start afresh)"
    )
    for _ in range(2):  # a second look after losing a creation race
        try:
            kfd = os.open(KEY_FILE, _READ, dir_fd=fd)
        except FileNotFoundError:
            key = _new_key(fd)
            if key is not None:
                return key, None
            continue
        except OSError:
            return b"", unsafe  # a symbolic link, among others
        try:
            st = os.fstat(kfd)
            private = stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid() and stat.S_IMODE(st.st_mode) == 0o600
            key = _read_at_most(kfd, KEY_BYTES) if private else b""
        except OSError:
            key = b""
        finally:
            os.close(kfd)
        return (key, None) if len(key) == KEY_BYTES else (b"", unsafe)
    return b"", None  # the folder is not writable: simply no cache


def _new_key(fd: int) -> bytes | None:
    """Create the key file atomically (written in full, then linked into place only if absent)."""
    import secrets

    key = secrets.token_bytes(KEY_BYTES)
    tmp = f".key.{secrets.token_hex(8)}.tmp"
    try:
        kfd = os.open(tmp, _CREATE, 0o600, dir_fd=fd)
    except OSError:
        return None
    try:
        with os.fdopen(kfd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o600)  # whatever the umask
            fh.write(key)
        os.link(tmp, KEY_FILE, src_dir_fd=fd, dst_dir_fd=fd)
    except OSError:  # FileExistsError: another nelm created it first; read theirs
        return None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=fd)
    return key


# -- entries ---------------------------------------------------------------------------------
READER = b"yamlsafe/2"  # bump when the YAML reader's results change: old entries then miss


def _name(data: bytes) -> str:
    return hashlib.sha256(__version__.encode() + b"\0" + READER + b"\0" + data).hexdigest() + ".entry"


def _mac(key: bytes, name: str, payload: bytes) -> bytes:
    return hmac.new(key, _MAGIC + name.encode() + b"\0" + payload, hashlib.sha256).digest()


def _payload_limit(size: int) -> int:
    return ENTRY_RATIO * size + ENTRY_SLACK


def _read_at_most(fd: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = os.read(fd, limit + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _write(fd: int, name: str, blob: bytes) -> None:
    """Replace the entry atomically, whatever was at its name (a foreign entry, a FIFO, a link)."""
    import secrets

    tmp = f".{name}.{secrets.token_hex(8)}.tmp"
    try:
        efd = os.open(tmp, _CREATE, 0o600, dir_fd=fd)
    except OSError:
        return
    try:
        with os.fdopen(efd, "wb") as fh:
            fh.write(blob)
        os.replace(tmp, name, src_dir_fd=fd, dst_dir_fd=fd)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=fd)


# -- the tree as JSON: pre-order, line numbers as deltas, so the size stays linear ------------
# A Seq is [line delta, items...], each item either a container or (line delta, scalar);
# a Map is [-1 - line delta, (key, key line delta, value)...]. Deltas count from the previous
# line written; YAML's event order makes them non-negative.


def _encode(tree: Any) -> Any:
    from nelm.evidence.yamlsafe import Map, Seq

    last = 0

    def delta(line: int) -> int:
        nonlocal last
        d = line - last
        if type(line) is not int or d < 0:
            raise ValueError("lines out of order")
        last = line
        return d

    def node(n: Any) -> Any:
        if isinstance(n, Seq):
            out: list[Any] = [delta(n.line)]
            for line, item in zip(n.lines, n, strict=True):
                if isinstance(item, (Map, Seq)):
                    if item.line != line:
                        raise ValueError("item line differs from its node's")
                    out.append(node(item))
                else:
                    out += (delta(line), _scalar(item))
            return out
        if isinstance(n, Map):
            out = [-1 - delta(n.line)]
            for key, value in n.items():
                out += (key, delta(n.lines[key]), node(value))
            return out
        return _scalar(n)

    return node(tree)


def _scalar(value: Any) -> Any:
    if type(value) not in _SCALARS:
        raise TypeError(f"cannot cache a {type(value).__name__}")
    return value


def _decode(doc: Any) -> Any:
    from nelm.evidence.yamlsafe import MAX_DEPTH, Map, Seq

    last = 0

    def line(d: Any) -> int:
        nonlocal last
        if type(d) is not int or d < 0:
            raise ValueError("malformed cache entry")
        last += d
        return last

    def node(n: Any, depth: int) -> Any:
        if type(n) is not list:
            if type(n) not in _SCALARS:
                raise ValueError("malformed cache entry")
            return n
        if depth > MAX_DEPTH or not n or type(n[0]) is not int:
            raise ValueError("malformed cache entry")
        if n[0] >= 0:
            s = Seq(line(n[0]))
            i = 1
            while i < len(n):
                if type(n[i]) is list:
                    child = node(n[i], depth + 1)
                    s.append(child)
                    s.lines.append(child.line)
                    i += 1
                else:
                    s.lines.append(line(n[i]))
                    s.append(scalar(n[i + 1]))
                    i += 2
            return s
        m = Map(line(-1 - n[0]))
        if len(n) % 3 != 1:
            raise ValueError("malformed cache entry")
        for i in range(1, len(n), 3):
            key = n[i]
            if type(key) is not str or key in m:
                raise ValueError("malformed cache entry")
            m.lines[key] = line(n[i + 1])
            m[key] = node(n[i + 2], depth + 1)
        return m

    def scalar(v: Any) -> Any:
        if type(v) not in _SCALARS:
            raise ValueError("malformed cache entry")
        return v

    return node(doc, 0)
