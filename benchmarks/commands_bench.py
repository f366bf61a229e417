"""Time whole nelm commands as a user runs them (a new process each, warm parse cache) and print
each as a ratio of `nelm list -f json`, the cheapest command that loads the evidence.

Run: python benchmarks/commands_bench.py. Targets (ratios, not seconds):
- `match` (JSON) <= 2x `list -f json`: applying the criteria is cheap next to loading;
- `brief` (Markdown or HTML) <= 3x: it builds a summary of findings like `compare`;
- `compare tace rfa -f json` <= 3x;
- `--version` <= 0.6x: start-up imports no evidence machinery (the interpreter itself is most of it).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASE = str(ROOT / "tests" / "cases" / "whipple-arterial.yaml")
COMMANDS = {
    "list -f json (reference)": ["list", "-f", "json"],
    "--version": ["--version"],
    "compare tace rfa -f json": ["compare", "tace", "rfa", "-f", "json"],
    "match -p case -f json": ["match", "-p", CASE, "-f", "json"],
    "brief tace rfa (markdown)": ["brief", "tace", "rfa"],
    "brief -p case -f html": ["brief", "-p", CASE, "-f", "html"],
}


def _best(args: list[str], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "nelm", *args], check=True, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    _best(["list", "-f", "json"], 1)  # fill the parse cache
    timed = {name: _best(args) for name, args in COMMANDS.items()}
    ref = timed["list -f json (reference)"]
    for name, seconds in timed.items():
        print(f"{name:32s} {seconds / ref:5.2f}x")


if __name__ == "__main__":
    main()
