"""The parse cache: faster start-up, never a different, stale or planted answer, never a hang."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat

import pytest
from conftest import FIXTURE_EVIDENCE

from nelm.evidence import cache, yamlsafe
from nelm.evidence.load import load

OTHER_UID = 65534  # "nobody": stands for another local user (the tests run as root in CI)
RESECTION = FIXTURE_EVIDENCE / "resection.yaml"
TRUE_5Y = "5y: 61%"  # what resection.yaml says (line 47)
FAKE_5Y = "5y: 93.7%"
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="chown to another user needs root")


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("NELM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("NELM_CACHE", raising=False)
    yield tmp_path / "cache"
    cache.close()


def _entries(folder):
    return list(folder.glob("*.entry"))


def _no_parsing(monkeypatch):
    def refuse(data):
        raise AssertionError("parsed although cached")

    monkeypatch.setattr(yamlsafe, "parse_bytes", refuse)


def _same(a, b):
    """Equal, and every line number equal too."""
    if isinstance(a, (yamlsafe.Map, yamlsafe.Seq)):
        kids = [list(n.values()) if isinstance(n, dict) else n for n in (a, b)]
        same_here = type(a) is type(b) and (a.line, a.lines) == (b.line, b.lines) and len(a) == len(b)
        return same_here and all(_same(x, y) for x, y in zip(*kids, strict=True))
    return type(a) is type(b) and a == b


def _forged(data: bytes, key: bytes | None, edit=lambda text: text.replace("value: 61,", "value: 93.7,")) -> bytes:
    """An entry claiming `data` parses to an edited tree (same lines), MACed with `key` (or not at all)."""
    tree = yamlsafe.parse_bytes(edit(data.decode()).encode())
    payload = json.dumps(cache._encode(tree)).encode()
    name = cache._name(data)
    if key is None:
        return payload
    mac = hmac.new(key, cache._MAGIC + name.encode() + b"\0" + payload, hashlib.sha256).digest()
    return cache._MAGIC + mac + payload


def _plant(folder, blob: bytes, data: bytes = b""):
    entry = folder / cache._name(data or RESECTION.read_bytes())
    entry.write_bytes(blob)
    return entry


def _own_folder(cache_dir):
    """The cache folder as nelm creates it (with its key), before any entry."""
    assert cache.get(b"nothing") is None
    cache.close()
    return cache_dir


def _warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("nelm: warning:")]


# -- ordinary use -----------------------------------------------------------------------------
def test_second_load_comes_from_the_cache_and_is_identical(cache_dir, evidence_copy, monkeypatch):
    first = load([evidence_copy])
    assert _entries(cache_dir)
    _no_parsing(monkeypatch)
    assert load([evidence_copy]) == first


def test_an_edited_file_is_parsed_again(cache_dir, evidence_copy):
    load([evidence_copy])
    rfa = evidence_copy / "rfa.yaml"
    rfa.write_text(rfa.read_text().replace("reviewed:", 'reviewed: "2020-01-01"\n# was:', 1))
    assert load([evidence_copy]).modalities["rfa"].reviewed == "2020-01-01"


@pytest.mark.parametrize("path", sorted(FIXTURE_EVIDENCE.glob("*.yaml")), ids=lambda p: p.name)
def test_lines_survive_the_cache(cache_dir, path):
    data = path.read_bytes()
    tree = yamlsafe.parse_bytes(data)
    cache.put(data, tree)
    assert _same(cache.get(data), tree)


def test_scalars_keep_their_types(cache_dir):
    data = b'a: [1, 1.5, -0.0, true, ~, "1", yes, 2020-01-01, "\\u00e9"]\nb: {c: {}, d: []}\n'
    tree = yamlsafe.parse_bytes(data)
    cache.put(data, tree)
    again = cache.get(data)
    assert [type(v) for v in again["a"]] == [type(v) for v in tree["a"]]
    assert _same(again["b"], tree["b"]) and again["a"] == tree["a"]


def test_a_cache_that_cannot_be_created_is_ignored_quietly(tmp_path, evidence_copy, monkeypatch, nelm):
    (tmp_path / "file").write_text("x")
    monkeypatch.setenv("NELM_CACHE_DIR", str(tmp_path / "file" / "sub"))
    r = nelm("list", "-f", "json", evidence=evidence_copy)
    assert r.code == 0 and r.stderr == ""


# -- NELM_CACHE -------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["0", "false", "FALSE", "No", "off", " Off "])
def test_nelm_cache_false_values_turn_it_off(cache_dir, evidence_copy, monkeypatch, value):
    monkeypatch.setenv("NELM_CACHE", value)
    load([evidence_copy])
    assert not cache_dir.exists()


@pytest.mark.parametrize("value", ["", "1", "true", "Yes", "ON"])
def test_nelm_cache_true_values_and_empty_leave_it_on(cache_dir, evidence_copy, monkeypatch, value):
    monkeypatch.setenv("NELM_CACHE", value)
    load([evidence_copy])
    assert _entries(cache_dir)


def test_an_unknown_nelm_cache_value_turns_it_off_with_a_warning(cache_dir, nelm):
    r = nelm("list", "-f", "json", env={"NELM_CACHE": "disable"})
    assert r.code == 0 and not cache_dir.exists()
    assert len(_warnings(r.stderr)) == 1 and "NELM_CACHE" in r.stderr


# -- poisoning --------------------------------------------------------------------------------
@as_root
def test_an_entry_planted_by_another_user_is_ignored(tmp_path, nelm):
    """Another user created the shared cache folder first, with their own key and a forged entry."""
    folder = tmp_path / "shared" / "nelm"
    folder.mkdir(parents=True, mode=0o700)
    theirs = os.urandom(cache.KEY_BYTES)
    (folder / cache.KEY_FILE).write_bytes(theirs)
    (folder / cache.KEY_FILE).chmod(0o600)
    entry = _plant(folder, _forged(RESECTION.read_bytes(), theirs))
    for path in (folder, folder / cache.KEY_FILE, entry):
        os.chown(path, OTHER_UID, OTHER_UID)
    r = nelm("studies", "-m", "resection", "-f", "tsv", env={"NELM_CACHE_DIR": str(folder)})
    assert r.code == 0 and TRUE_5Y in r.stdout and FAKE_5Y not in r.stdout
    (warning,) = _warnings(r.stderr)
    assert str(folder) in warning and str(OTHER_UID) in warning  # refused for the folder, before its key
    assert entry.read_bytes() == _forged(RESECTION.read_bytes(), theirs)  # nothing written in their folder


@pytest.mark.parametrize("key", [b"x" * cache.KEY_BYTES, None], ids=["wrong-mac", "no-mac"])
def test_a_forged_entry_in_our_own_folder_is_a_miss_and_is_overwritten(cache_dir, nelm, key):
    entry = _plant(_own_folder(cache_dir), _forged(RESECTION.read_bytes(), key))
    r = nelm("studies", "-m", "resection", "-f", "tsv")
    assert r.code == 0 and TRUE_5Y in r.stdout and FAKE_5Y not in r.stdout and r.stderr == ""
    assert entry.read_bytes().startswith(cache._MAGIC)
    assert _same(cache.get(RESECTION.read_bytes()), yamlsafe.parse_bytes(RESECTION.read_bytes()))


def test_a_forged_entry_cannot_make_valid_evidence_fail(cache_dir, nelm):
    _plant(
        _own_folder(cache_dir),
        _forged(RESECTION.read_bytes(), b"x" * 32, lambda t: t.replace("value: 61,", "value: -5,")),
    )
    assert nelm("validate").code == 0
    assert nelm("validate").code == 0


def test_a_genuine_entry_under_another_name_is_a_miss(cache_dir):
    """The MAC covers the entry's name, so one file's entry cannot answer for another."""
    data, other = RESECTION.read_bytes(), (FIXTURE_EVIDENCE / "rfa.yaml").read_bytes()
    cache.put(other, yamlsafe.parse_bytes(other))
    _plant(cache_dir, (cache_dir / cache._name(other)).read_bytes(), data)
    assert cache.get(data) is None


@as_root
def test_an_entry_owned_by_another_user_is_a_miss(cache_dir):
    data = RESECTION.read_bytes()
    cache.put(data, yamlsafe.parse_bytes(data))
    os.chown(cache_dir / cache._name(data), OTHER_UID, OTHER_UID)
    assert cache.get(data) is None


@pytest.mark.parametrize(
    "garbage", [b"", b"{", b"[]", b'["m", 1, [[1, 2, 3]]]', cache._MAGIC, cache._MAGIC + b"x" * 40]
)
def test_a_damaged_entry_is_a_miss(cache_dir, evidence_copy, garbage):
    first = load([evidence_copy])
    for entry in _entries(cache_dir):
        entry.write_bytes(garbage)
    assert load([evidence_copy]) == first


@pytest.mark.parametrize(
    "doc", [[], [True], ["x"], [0, 1], [-1, "k", 0], [-1, "k", -1, 1], [-1, "k", 0, 1, "k", 0, 2], [0, {}]]
)
def test_a_malformed_tree_is_refused_by_the_decoder(doc):
    with pytest.raises((ValueError, IndexError)):
        cache._decode(doc)


def test_an_oversized_entry_is_not_read(cache_dir):
    data = RESECTION.read_bytes()
    cache.put(data, yamlsafe.parse_bytes(data))
    entry = cache_dir / cache._name(data)
    with entry.open("ab") as fh:
        fh.truncate(len(cache._MAGIC) + 32 + cache.ENTRY_RATIO * len(data) + cache.ENTRY_SLACK + 1)
    assert cache.get(data) is None


# -- entries that are not files ---------------------------------------------------------------
@pytest.mark.parametrize("kind", ["fifo", "urandom-link", "folder"])
def test_an_entry_that_is_not_a_regular_file_neither_hangs_nor_counts(cache_dir, sh, kind):
    entry = _own_folder(cache_dir) / cache._name(RESECTION.read_bytes())
    if kind == "fifo":
        os.mkfifo(entry)
    elif kind == "urandom-link":
        entry.symlink_to("/dev/urandom")
    else:
        entry.mkdir()
    r = sh("studies", "-m", "resection", "-f", "tsv", env={"NELM_CACHE_DIR": str(cache_dir)}, timeout=20)
    assert r.code == 0 and TRUE_5Y in r.stdout and r.stderr == ""
    if kind != "folder":
        assert stat.S_ISREG(entry.lstat().st_mode)  # replaced by a genuine entry


# -- the folder -------------------------------------------------------------------------------
def test_the_folder_and_key_are_created_private(cache_dir):
    _own_folder(cache_dir)
    assert stat.S_IMODE(cache_dir.stat().st_mode) == 0o700
    key = cache_dir / cache.KEY_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and key.stat().st_size == cache.KEY_BYTES


def test_entries_are_private(cache_dir, evidence_copy):
    load([evidence_copy])
    assert all(stat.S_IMODE(e.stat().st_mode) == 0o600 for e in _entries(cache_dir))


@pytest.mark.parametrize("mode", [0o770, 0o702, 0o777])
def test_a_folder_writable_by_others_is_ignored_with_one_warning(cache_dir, nelm, mode):
    _own_folder(cache_dir).chmod(mode)
    r = nelm("studies", "-m", "resection", "-f", "tsv")
    assert r.code == 0 and TRUE_5Y in r.stdout
    (warning,) = _warnings(r.stderr)
    assert str(cache_dir) in warning and not _entries(cache_dir)


def test_a_folder_that_is_a_symlink_is_ignored_with_a_warning(tmp_path, nelm):
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    (tmp_path / "link").symlink_to(real)
    r = nelm("studies", "-m", "resection", "-f", "tsv", env={"NELM_CACHE_DIR": str(tmp_path / "link")})
    assert r.code == 0 and TRUE_5Y in r.stdout and len(_warnings(r.stderr)) == 1 and not _entries(real)


def test_the_warning_is_shown_on_errors_too(cache_dir, nelm, tmp_path):
    _own_folder(cache_dir).chmod(0o777)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "rfa.yaml").write_text("schema: 1\nkind: modality\nbogus: [\n")
    r = nelm("validate", str(bad))
    assert r.code == 1 and len(_warnings(r.stderr)) == 1


# -- the key ----------------------------------------------------------------------------------
def _replace_key(folder, how):
    key = folder / cache.KEY_FILE
    if how == "mode-0644":
        key.chmod(0o644)
    elif how == "short":
        key.write_bytes(b"x" * (cache.KEY_BYTES - 1))
    elif how == "symlink":
        other = folder.parent / "elsewhere"
        other.write_bytes(key.read_bytes())
        other.chmod(0o600)
        key.unlink()
        key.symlink_to(other)
    elif how == "fifo":
        key.unlink()
        os.mkfifo(key, 0o600)
    elif how == "other-user":
        os.chown(key, OTHER_UID, OTHER_UID)


@pytest.mark.parametrize("how", ["mode-0644", "short", "symlink", "fifo", pytest.param("other-user", marks=as_root)])
def test_an_unsafe_key_disables_the_cache_with_one_warning(cache_dir, sh, how):
    _replace_key(_own_folder(cache_dir), how)
    r = sh("studies", "-m", "resection", "-f", "tsv", env={"NELM_CACHE_DIR": str(cache_dir)}, timeout=20)
    assert r.code == 0 and TRUE_5Y in r.stdout
    (warning,) = _warnings(r.stderr)
    assert cache.KEY_FILE in warning and not _entries(cache_dir)


def test_a_lost_key_only_costs_a_reparse(cache_dir, evidence_copy, monkeypatch):
    first = load([evidence_copy])
    cache.close()
    (cache_dir / cache.KEY_FILE).unlink()
    assert load([evidence_copy]) == first  # new key: old entries fail their MAC, and are rewritten
    cache.close()
    _no_parsing(monkeypatch)
    assert load([evidence_copy]) == first


# -- size -------------------------------------------------------------------------------------
def test_a_large_nested_list_file_caches_linearly(cache_dir, tmp_path):
    unit = "[" * 60 + "]" * 60
    data = ("x: [" + ",".join([unit] * 2500) + "]\n").encode()  # 300 KB, 150,000 nested lists
    cache.put(data, yamlsafe.parse_bytes(data))
    (entry,) = _entries(cache_dir)
    assert entry.stat().st_size <= 2.5 * len(data)
    assert cache.get(data) == yamlsafe.parse_bytes(data)


def test_an_over_cap_tree_is_not_cached(cache_dir):
    data = ("x: [" + ",".join(["~"] * 50_000) + "]\n").encode()  # 3.5 bytes of entry per 2 of file
    cache.put(data, yamlsafe.parse_bytes(data))
    assert not _entries(cache_dir) and cache.get(data) is None
