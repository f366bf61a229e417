"""The parse cache: faster start-up, never a different or stale answer."""

from __future__ import annotations

import json

import pytest

from nelm import cache, yamlsafe
from nelm.load import load


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("NELM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("NELM_CACHE", raising=False)
    return tmp_path / "cache"


def _no_parsing(monkeypatch):
    def refuse(data):
        raise AssertionError("parsed although cached")

    monkeypatch.setattr(yamlsafe, "parse_bytes", refuse)


def test_second_load_comes_from_the_cache_and_is_identical(cache_dir, evidence_copy, monkeypatch):
    first = load([evidence_copy])
    assert list(cache_dir.glob("*.json"))
    _no_parsing(monkeypatch)
    assert load([evidence_copy]) == first


def test_an_edited_file_is_parsed_again(cache_dir, evidence_copy):
    load([evidence_copy])
    rfa = evidence_copy / "rfa.yaml"
    rfa.write_text(rfa.read_text().replace("reviewed:", 'reviewed: "2020-01-01"\n# was:', 1))
    assert load([evidence_copy]).modalities["rfa"].reviewed == "2020-01-01"


@pytest.mark.parametrize("garbage", ["", "{", "[]", '["m", 1, [[1, 2, 3]]]', '["x", 1, []]', json.dumps(["m"] * 3)])
def test_a_damaged_entry_is_a_miss(cache_dir, evidence_copy, garbage):
    first = load([evidence_copy])
    for entry in cache_dir.glob("*.json"):
        entry.write_text(garbage)
    assert load([evidence_copy]) == first


def test_lines_survive_the_cache(cache_dir, evidence_copy):
    data = (evidence_copy / "rfa.yaml").read_bytes()
    tree = yamlsafe.parse_bytes(data)
    cache.put(data, tree)
    again = cache.get(data)
    assert again == tree and again.lines == tree.lines and again["studies"].lines == tree["studies"].lines


def test_cache_can_be_turned_off_or_unwritable(cache_dir, evidence_copy, monkeypatch):
    monkeypatch.setenv("NELM_CACHE", "0")
    load([evidence_copy])
    assert not cache_dir.exists()
    monkeypatch.delenv("NELM_CACHE")
    cache_dir.parent.joinpath("file").write_text("x")
    monkeypatch.setenv("NELM_CACHE_DIR", str(cache_dir.parent / "file" / "sub"))
    assert load([evidence_copy]).modalities
