"""Issue 5: property-based tests. Bounded in CI; for a long campaign run
HYPOTHESIS_PROFILE=long python -m pytest tests/test_properties.py (see docs/security.md).
The process-level properties (encoding, width, signal timing) run the installed script, so they
take a fifth of the profile's examples."""

from __future__ import annotations

import copy
import json
import math
import re
import signal
import subprocess
import time
from pathlib import Path

import yaml
from conftest import FIXTURE_EVIDENCE, TRACE_MARKERS, nelm_env, nelm_script, wait_for_handlers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PROBLEM = re.compile(r"^\S+\.ya?ml(:\d+)?: .+")
BASE = yaml.safe_load((FIXTURE_EVIDENCE / "rfa.yaml").read_text(encoding="utf-8"))
SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.text(min_size=5000, max_size=12000, alphabet="ab c"),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.sampled_from(["", "yes", "no", "2021-03-04", "1:20", ".nan", "[1]", "[bold]", "ü∑≥", "-1", "0"]),
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


ALL_PATHS = [p for p in _paths(BASE) if p]


def _mutate(doc, path, value, action):
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    if action == "delete" and isinstance(parent, dict):
        del parent[last]
    elif action == "extra" and isinstance(parent, dict):
        parent[f"extra_{last}"] = value
    else:
        parent[last] = value
    return doc


def _check(r):
    assert r.code in (0, 1), (r.code, r.stderr)
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr, r.stderr
    for line in r.stderr.strip().splitlines():
        assert PROBLEM.match(line) or line.startswith("nelm: "), line


@SETTINGS
@given(
    mutations=st.lists(
        st.tuples(st.sampled_from(ALL_PATHS), junk, st.sampled_from(["set", "delete", "extra"])), min_size=1, max_size=4
    )
)
def test_mutated_evidence_never_crashes(nelm, evidence_copy, mutations):
    doc = copy.deepcopy(BASE)
    for path, value, action in mutations:
        try:
            doc = _mutate(doc, path, value, action)
        except (KeyError, IndexError, TypeError):
            continue
    text = yaml.safe_dump(doc, allow_unicode=True)
    (evidence_copy / "rfa.yaml").write_text(text, encoding="utf-8")
    r = nelm("validate", evidence=evidence_copy)
    _check(r)
    if r.code == 0:  # whatever validates must render and serialise
        out = nelm("show", "rfa", "-f", "json", evidence=evidence_copy)
        _check(out)
        doc = json.loads(out.stdout)
        assert all(math.isfinite(f["value"]) for f in doc["results"][0]["findings"] if isinstance(f["value"], float))


@SETTINGS
@given(text=st.text(max_size=400))
def test_arbitrary_text_never_crashes(nelm, evidence_copy, text):
    (evidence_copy / "rfa.yaml").write_bytes(text.encode("utf-8", "surrogatepass"))
    _check(nelm("validate", evidence=evidence_copy))


TOKENS = [
    "list",
    "show",
    "compare",
    "studies",
    "outcomes",
    "search",
    "refs",
    "validate",
    "tace",
    "rfa",
    "y90",
    "-f",
    "json",
    "csv",
    "table",
    "--fields",
    "study,n",
    "--outcome",
    "os",
    "--min-n",
    "-1",
    "--sort",
    "n",
    "--limit",
    "0",
    "--detail",
    "--tumor",
    "mixed",
    "--design",
    "rct",
    "--since",
    "2010",
    "--text",
    "[b]",
    "--help",
    "--version",
    "--no-headers",
    "x",
    "",
    "-",
    "--",
]


@SETTINGS
@given(args=st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=8)), max_size=6))
def test_arbitrary_arguments_never_crash(nelm, args):
    r = nelm(*args)
    assert r.code in (0, 1, 2), (args, r.code, r.stderr)
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr, (args, r.stderr)


# -- the process: output encoding, terminal width, signal timing --------------------------------
PROCESS_SETTINGS = settings(SETTINGS, max_examples=max(5, settings.default.max_examples // 5))
DATA_COMMANDS = [["list"], ["show", "rfa"], ["compare", "tace", "rfa", "--detail"], ["studies"], ["outcomes", "os"]]
OTHER_COMMANDS = [["refs"], ["search", "liver"], ["validate"], ["--help"], ["studies", "--help"], ["--version"]]
HAS_PROC = Path("/proc/self/status").exists()


@PROCESS_SETTINGS
@given(
    command=st.one_of(
        st.tuples(
            st.sampled_from(DATA_COMMANDS), st.sampled_from(["table", "tsv", "csv", "json", "jsonl", "markdown"])
        ),
        st.tuples(st.sampled_from(OTHER_COMMANDS), st.none()),
    ),
    encoding=st.sampled_from(["utf-8", "latin-1", "ascii"]),
    columns=st.integers(min_value=0, max_value=400),
    interrupt=st.none() | st.tuples(st.sampled_from([signal.SIGINT, signal.SIGTERM]), st.integers(0, 300)),
)
def test_any_encoding_width_and_signal_timing_ends_with_a_documented_status(command, encoding, columns, interrupt):
    """Content under odd encodings and widths belongs to the renderers' tests; here only the
    status and the absence of tracebacks. Signal delays count from the moment nelm's code runs."""
    args, fmt = command
    args = [*args, "-f", fmt] if fmt else args
    env = nelm_env(PYTHONIOENCODING=encoding, COLUMNS=str(columns))
    p = subprocess.Popen([*nelm_script(), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    if interrupt and HAS_PROC and wait_for_handlers(p):
        time.sleep(interrupt[1] / 1000)
        p.send_signal(interrupt[0])
    _, err_bytes = p.communicate(timeout=60)
    err = err_bytes.decode(encoding, "replace")
    allowed = {0, 128 + interrupt[0]} if interrupt else {0}
    assert p.returncode in allowed, (args, encoding, columns, interrupt, p.returncode, err)
    assert not any(marker in err for marker in TRACE_MARKERS), err
    if p.returncode:
        assert err == "", err
