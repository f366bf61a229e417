"""Find evidence files, read them strictly and build the validated model."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from nelm.errors import EvidenceError, NelmError, Problem, UsageError
from nelm.evidence import cache, yamlsafe
from nelm.evidence.model import Evidence
from nelm.evidence.validate.builder import Builder

MAX_FILES = 20_000
_ORDER = {"outcomes": 0, "bibliography": 1}  # vocabularies before the files that use them
_BASE_KINDS = ("outcomes", "bibliography")
_SUFFIXES = (".yaml", ".yml")  # in any case: rfa.YAML is read like rfa.yaml
# Part of every cache key: bump it whenever yamlsafe would build a different tree from the same bytes.


def shipped_dir() -> Path:
    """The evidence folder: $NELM_EVIDENCE_DIR if set, else inside the installed package,
    else beside the package in a source checkout."""
    override = os.environ.get("NELM_EVIDENCE_DIR")
    if override:
        return Path(override)
    package = Path(__file__).resolve().parent.parent  # nelm/
    packaged = package / "_evidence"  # where the wheel puts it (pyproject.toml, force-include)
    return packaged if packaged.is_dir() else package.parent / "evidence"


def _is_dir(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def evidence_files(paths: list[Path], problems: list[Problem] | None = None) -> list[Path]:
    """The YAML files named or contained (not recursively) in `paths`, in a stable order, each
    once. A path that exists but cannot be read becomes a problem (exit 1); a missing one is a
    usage error (exit 2)."""
    problems = [] if problems is None else problems
    files: list[Path] = []
    seen: set[str] = set()
    for path in paths:
        try:
            is_dir = stat.S_ISDIR(os.stat(path).st_mode)
        except FileNotFoundError:
            if not os.path.islink(path):
                raise UsageError(f"no such file or folder: {path}") from None
            is_dir = False  # a dangling link: reading it reports the problem
        except (OSError, ValueError) as e:  # too long, a symlink loop, no permission on a parent
            problems.append(Problem(str(path), None, "", f"cannot read: {getattr(e, 'strerror', None) or e}"))
            continue
        if is_dir:
            try:
                with os.scandir(path) as it:
                    found = sorted(
                        Path(e.path) for e in it if e.name.lower().endswith(_SUFFIXES) and not e.name.startswith(".")
                    )
            except OSError as e:
                problems.append(Problem(str(path), None, "", f"cannot read folder: {e.strerror or e}"))
                continue
        else:
            found = [path]
        for file in found:
            key = os.path.realpath(file)  # never raises, even on a symlink loop
            if key not in seen:
                seen.add(key)
                files.append(file)
        if len(files) > MAX_FILES:
            raise NelmError(f"more than {MAX_FILES} evidence files under {path}", "split the evidence")
    return files


def _read(path: Path, problems: list[Problem]) -> object | None:
    try:
        data = yamlsafe.read_bytes(str(path))
        tree = cache.get(data)
        if tree is None:
            notes: list[yamlsafe.YamlProblem] = []
            tree = yamlsafe.parse_bytes(data, notes)
            problems.extend(Problem(str(path), n.line, "", n.message) for n in notes)
            if not notes:
                cache.put(data, tree)
        return tree
    except yamlsafe.YamlProblem as e:
        problems.append(Problem(str(path), e.line, "", e.message))
    return None


def _kind(doc: object) -> str:
    kind = doc.get("kind") if isinstance(doc, dict) else None
    return kind if isinstance(kind, str) else ""


def build(paths: list[Path] | None = None) -> tuple[Evidence, list[Problem]]:
    """Load and validate. With explicit `paths`, the shipped vocabulary and bibliography
    fill in whichever of the two the given files lack."""
    base = shipped_dir()
    if paths is None:
        if not _is_dir(base):
            raise EvidenceError(
                [Problem(str(base), None, "", "the shipped evidence folder is missing (reinstall nelm)")]
            )
        paths = [base]
    problems: list[Problem] = []
    docs: list[tuple[Path, object]] = []
    files = evidence_files(paths, problems)
    for path in files:
        doc = _read(path, problems)
        if doc is not None:
            docs.append((path, doc))
    kinds = {_kind(d) for _, d in docs}
    if _is_dir(base) and not all(k in kinds for k in _BASE_KINDS):
        docs += _base_documents(base, {os.path.realpath(p) for p in files}, kinds, problems)
    folders = [p for p in paths if _is_dir(p)]
    if folders and "modality" not in kinds:
        problems.append(
            Problem(str(folders[0]), None, "", "no modality file here (expected a *.yaml file with kind: modality)")
        )
    docs.sort(key=lambda pd: _ORDER.get(_kind(pd[1]), 2))
    builder = Builder()
    for path, doc in docs:
        builder.add(str(path), doc, path.stem)
    evidence = builder.finish()
    problems.extend(builder.problems)
    return evidence, problems


def _base_documents(base: Path, given: set[str], kinds: set[str], problems: list[Problem]) -> list[tuple[Path, object]]:
    """The shipped vocabulary or bibliography that the given files lack. Problems of other shipped
    files are not the user's question and stay unreported."""
    out: list[tuple[Path, object]] = []
    for path in evidence_files([base], []):
        if os.path.realpath(path) in given:
            continue
        found: list[Problem] = []
        doc = _read(path, found)
        kind = _kind(doc) if doc is not None else path.stem
        if kind in _BASE_KINDS and kind not in kinds:
            problems.extend(found)
            if doc is not None:
                out.append((path, doc))
    return out


def load(paths: list[Path] | None = None) -> Evidence:
    """The validated evidence, or EvidenceError listing every problem."""
    evidence, problems = build(paths)
    if problems:
        raise EvidenceError(problems)
    return evidence
