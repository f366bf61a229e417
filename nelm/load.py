"""Find evidence files, read them strictly and build the validated model."""

from __future__ import annotations

import os
from pathlib import Path

from nelm import cache, yamlsafe
from nelm.errors import EvidenceError, Problem, UsageError
from nelm.model import Evidence
from nelm.validate import Builder

MAX_FILES = 20_000
_ORDER = {"outcomes": 0, "bibliography": 1}  # vocabularies before the files that use them
_BASE_KINDS = ("outcomes", "bibliography")


def shipped_dir() -> Path:
    """The evidence folder: $NELM_EVIDENCE_DIR if set, else inside the installed package,
    else beside the package in a source checkout."""
    override = os.environ.get("NELM_EVIDENCE_DIR")
    if override:
        return Path(override)
    here = Path(__file__).resolve().parent
    packaged = here / "evidence"
    return packaged if packaged.is_dir() else here.parent / "evidence"


def evidence_files(paths: list[Path]) -> list[Path]:
    """The YAML files named or contained (not recursively) in `paths`, in a stable order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            try:
                with os.scandir(path) as it:
                    found = sorted(
                        Path(e.path) for e in it if e.name.endswith((".yaml", ".yml")) and not e.name.startswith(".")
                    )
            except OSError as e:
                raise UsageError(f"cannot read folder {path}: {e.strerror}") from None
            files.extend(found)
        elif path.exists() or path.is_symlink():
            files.append(path)
        else:
            raise UsageError(f"no such file or folder: {path}")
        if len(files) > MAX_FILES:
            raise UsageError(f"more than {MAX_FILES} evidence files under {path}")
    return files


def _read(path: Path, problems: list[Problem]) -> object | None:
    try:
        data = yamlsafe.read_bytes(str(path))
        tree = cache.get(data)
        if tree is None:
            tree = yamlsafe.parse_bytes(data)
            cache.put(data, tree)
        return tree
    except yamlsafe.YamlProblem as e:
        problems.append(Problem(str(path), e.line, "", e.message))
    except OSError as e:
        problems.append(Problem(str(path), None, "", f"cannot read file: {e.strerror or e}"))
    return None


def build(paths: list[Path] | None = None) -> tuple[Evidence, list[Problem]]:
    """Load and validate. With explicit `paths`, the shipped vocabulary and bibliography
    fill in whichever of the two the given files lack."""
    base = shipped_dir()
    if paths is None:
        if not base.is_dir():
            raise EvidenceError(
                [Problem(str(base), None, "", "the shipped evidence folder is missing (reinstall nelm)")]
            )
        paths = [base]
    problems: list[Problem] = []
    docs: list[tuple[Path, object]] = []
    for path in evidence_files(paths):
        doc = _read(path, problems)
        if doc is not None:
            docs.append((path, doc))
    kinds = {d.get("kind") for _, d in docs if isinstance(d, dict) and isinstance(d.get("kind"), str)}
    given = {p.resolve() for p, _ in docs}
    if base.is_dir() and not all(k in kinds for k in _BASE_KINDS):
        for path in evidence_files([base]):
            if path.resolve() in given:
                continue
            doc = _read(path, problems)
            if isinstance(doc, dict) and str(doc.get("kind")) in _BASE_KINDS and doc.get("kind") not in kinds:
                docs.append((path, doc))
    docs.sort(key=lambda pd: _ORDER.get(str(pd[1].get("kind")) if isinstance(pd[1], dict) else "", 2))
    builder = Builder()
    for path, doc in docs:
        builder.add(str(path), doc, path.stem)
    evidence = builder.finish()
    problems.extend(builder.problems)
    return evidence, problems


def load(paths: list[Path] | None = None) -> Evidence:
    """The validated evidence, or EvidenceError listing every problem."""
    evidence, problems = build(paths)
    if problems:
        raise EvidenceError(problems)
    return evidence
