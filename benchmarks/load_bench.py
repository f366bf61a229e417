"""Time nelm's reading and validation per MiB against parsing alone, and print ratios.

Run: python benchmarks/load_bench.py. Targets (ratios, not seconds, because machines differ):
- read+validate a 2 MiB file of problems <= 10x yaml.parse alone on the same bytes;
- 5,000 small files <= 10x yaml.parse alone on the same files;
- a hint against 200,000 names <= 0.5x one yaml.parse of a 2 MiB file (bounded candidates);
- doubling the input at most ~2.2x the time (linear, not quadratic).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import yaml

from nelm import errors
from nelm.evidence.load import build

try:
    from yaml import CSafeLoader as Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as Loader  # type: ignore[assignment]


def _best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def _problem_file(size: int) -> str:
    head = 'schema: nelm/1\nkind: modality\nid: rfa\nname: R\nsummary: s\ncategory: ablative\nreviewed: "2025-01-01"\n'
    rows, n, i = [head, "indications:\n"], len(head), 0
    while n < size:
        rows.append(f"  - {{text: t, sources: [unknown-{i}], bogus{i}: 1}}\n")
        n += len(rows[-1])
        i += 1
    return "".join(rows)


def _parse_only(files: list[Path]) -> None:
    for f in files:
        for _ in yaml.parse(f.read_text(encoding="utf-8"), Loader=Loader):
            pass


def main() -> None:
    os.environ["NELM_CACHE"] = "0"  # time the reading, not the cache
    per_size = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for size in (1 << 20, 2 << 20):
            folder = root / f"one-{size}"
            folder.mkdir()
            (folder / "rfa.yaml").write_text(_problem_file(size - 200))
            files = [folder / "rfa.yaml"]
            base = _best(lambda files=files: _parse_only(files))
            ours = _best(lambda folder=folder: build([folder]))
            per_size.append(ours)
            print(f"{size >> 20} MiB file: yaml.parse {base:.2f}s, nelm {ours:.2f}s, ratio {ours / base:.1f}x")
        print(f"2 MiB / 1 MiB time: {per_size[1] / per_size[0]:.1f}x (linear is 2x)")
        many = root / "many"
        many.mkdir()
        for i in range(5000):
            (many / f"m{i}.yaml").write_text(f"schema: nelm/1\nkind: topic\nid: m{i}\nname: M\nsummary: s\nx: 1\n")
        files = sorted(many.iterdir())
        base = _best(lambda: _parse_only(files), 1)
        ours = _best(lambda: build([many]), 1)
        print(f"5000 files: yaml.parse {base:.2f}s, nelm {ours:.2f}s, ratio {ours / base:.1f}x")
        names = [f"src-{i}-x" for i in range(200_000)]
        hint = _best(lambda: errors.closest("src-17-y", names))
        two = root / "one-2097152" / "rfa.yaml"
        parse = _best(lambda: _parse_only([two]))
        print(f"one hint against 200,000 names: {hint:.3f}s, ratio {hint / parse:.2f}x one 2 MiB parse")


if __name__ == "__main__":
    main()
