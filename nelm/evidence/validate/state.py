"""What validation has collected so far: the records read and the references still to check.
Each document reader (outcomes, bibliography, modality, study) adds to it; `Builder` dispatches
documents to the readers and finishes with the cross-file checks."""

from __future__ import annotations

import datetime
from typing import Any

from nelm.errors import Problem
from nelm.evidence.model import Factor, Loc, Modality, Outcome, Source, SynonymGroup, Technique
from nelm.evidence.validate.checker import Checker, _join, reset_hints
from nelm.evidence.yamlsafe import Map


class State:
    """The records and pending references of one validation run; problems accumulate in `problems`."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.outcomes: dict[str, Outcome] = {}
        self.factors: dict[str, Factor] = {}
        self.sources: dict[str, Source] = {}
        self.modalities: dict[str, Modality] = {}
        self.study_ids: dict[str, Loc] = {}
        self.refs: list[tuple[str, str, Checker, int, str]] = []  # (kind, id, checker, line, path)
        self.techniques: dict[str, Technique] = {}
        self.technique_refs: list[tuple[str, tuple[str, ...], Checker, int, str]] = []
        self.read_checks: list[tuple[str, str | None, Checker, int, str]] = []
        self.support_checks: list[tuple[tuple[str, ...], Checker, int, str]] = []
        self.include_refs: list[tuple[str, Checker, int, str]] = []
        self.criterion_ids: dict[str, Any] = {}
        self.rule_source_checks: list[tuple[str, Checker, int, str]] = []
        self.files: list[str] = []
        self.synonyms: list[SynonymGroup] = []
        self.synonym_terms: dict[str, Loc] = {}  # term_key -> where it is listed
        self.this_year = datetime.date.today().year
        reset_hints()

    def outcome_kind(self, outcome: str) -> str | None:
        o = self.outcomes.get(outcome)
        return o.kind if o else None

    def unique(self, c: Checker, m: Map, path: str, key: str, seen: dict[str, Any], what: str) -> bool:
        if key in seen:
            c.problem(
                m.lines.get("id"), _join(path, "id"), f"{what} id {key!r} is defined twice (also at {seen[key].loc})"
            )
            return False
        return True
