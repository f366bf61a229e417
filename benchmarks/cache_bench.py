"""Cached vs uncached load time, and entry size vs file size, for the shipped evidence and a
2 MiB file of nested lists (the worst legal shape). Prints ratios; nothing is asserted.

    .venv/bin/python benchmarks/cache_bench.py [repeats]
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ["NELM_CACHE_DIR"] = tempfile.mkdtemp(prefix="nelm-cache-bench-")
os.environ.pop("NELM_CACHE", None)

from nelm import yamlsafe  # noqa: E402
from nelm.evidence import cache

ROOT = Path(__file__).resolve().parent.parent


def nested(size: int = yamlsafe.MAX_BYTES) -> bytes:
    unit = "[" * 60 + "]" * 60
    return ("x: [" + ",".join([unit] * ((size - 8) // (len(unit) + 1))) + "]\n").encode()


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench(label: str, files: list[bytes], repeats: int) -> None:
    for data in files:
        cache.put(data, yamlsafe.parse_bytes(data))
    assert all(cache.get(data) is not None for data in files), "not cached"
    parsed = median_time(lambda: [yamlsafe.parse_bytes(d) for d in files], repeats)
    cached = median_time(lambda: [cache.get(d) for d in files], repeats)
    folder = Path(os.environ["NELM_CACHE_DIR"])
    entries = sum((folder / cache._name(d)).stat().st_size for d in files)
    size = sum(len(d) for d in files)
    print(
        f"{label}: {size / 1024:.0f} KiB; parse {parsed * 1000:.1f} ms, cached {cached * 1000:.1f} ms, "
        f"cached/parse {cached / parsed:.2f}; entry/file size {entries / size:.2f}"
    )


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    shipped = [p.read_bytes() for p in sorted((ROOT / "evidence").glob("*.yaml"))]
    bench("shipped evidence", shipped, repeats)
    bench("2 MiB nested lists", [nested()], max(1, repeats // 3))
    cache.close()
    shutil.rmtree(os.environ["NELM_CACHE_DIR"])


if __name__ == "__main__":
    main()
