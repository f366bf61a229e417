"""Check parsed evidence documents and build the model from them, collecting every problem:
`Builder.add` checks one document by its kind, `Builder.finish` the cross-references."""

from __future__ import annotations

from typing import Any

from nelm.errors import Problem
from nelm.evidence import criteria, honest
from nelm.evidence.model import (
    Evidence,
)
from nelm.evidence.validate.bibliography import read_bibliography
from nelm.evidence.validate.checker import Checker, _control_characters, _hint
from nelm.evidence.validate.modality import read_modality
from nelm.evidence.validate.outcomes import read_outcomes
from nelm.evidence.validate.state import State
from nelm.evidence.validate.synonyms import synonym_groups
from nelm.evidence.validate.vocabulary import KINDS, SCHEMA, SCHEMAS


class Builder(State):
    """Turns parsed documents into an Evidence model; problems accumulate in `problems`."""

    # -- documents -----------------------------------------------------------------------------
    def add(self, file: str, doc: Any, stem: str) -> None:
        self.files.append(file)
        c = Checker(file, self.problems)
        root = c.mapping(doc, getattr(doc, "line", 1), "")
        if root is None:
            return
        _control_characters(c, root)
        schema = root.get("schema")
        if schema not in SCHEMAS:
            c.problem(
                root.lines.get("schema", 1),
                "schema",
                "'nelm/1' is the format before the honest model: migrate the file to nelm/2"
                " (subgroups, own denominators, comparisons; see evidence/README.md)"
                if schema == "nelm/1"
                else f"{schema!r} is not supported (expected {SCHEMA!r})"
                if schema is not None
                else f"missing (expected schema: {SCHEMA})",
            )
            return
        kind = c.get(root, "kind", "", "str", required=True, choices=KINDS)
        if kind == "outcomes":
            read_outcomes(self, c, root)
        elif kind == "bibliography":
            read_bibliography(self, c, root)
        elif kind in ("modality", "topic"):
            read_modality(self, c, root, kind, stem)
        elif kind == "synonyms":
            self.synonyms += synonym_groups(c, root, self.synonym_terms)

    def finish(self) -> Evidence:
        targets: dict[str, dict[str, Any]] = {
            "source": self.sources,
            "outcome": self.outcomes,
            "modality": self.modalities,
            "factor": self.factors,
        }
        for kind, ref, c, line, path in self.refs:
            table = targets[kind]
            if ref not in table:
                c.problem(
                    line,
                    path,
                    f"unknown {kind} {ref!r}{_hint(ref, table, c)}"
                    + (
                        " (add it to the bibliography)"
                        if kind == "source"
                        else " (add it to outcomes.yaml)"
                        if kind in ("outcome", "factor")
                        else ""
                    ),
                )
        for tid, mods, c, line, path in self.technique_refs:
            t = self.techniques.get(tid)
            if t is None:
                c.problem(line, path, f"unknown technique {tid!r}{_hint(tid, self.techniques, c)}")
            elif t.modality not in mods:
                c.problem(line, path, f"technique {tid!r} belongs to {t.modality!r}, not to this arm's modalities")
        for source, via, c, line, path in self.read_checks:
            read = self.sources.get(via or source)
            if read is None:
                continue
            if not read.read:
                c.problem(line, path, f"source {read.id!r} has no 'read:' entry; cite the document you read with via:")
            elif not (read.pmid or read.doi or read.seed):
                c.problem(line, path, f"figures need a source with a PMID or DOI; {read.id!r} has neither")
        for sources, c, line, path in self.support_checks:
            kinds = [self.sources[s].type for s in sources if s in self.sources]
            if kinds and not any(k in honest.SUPPORTING for k in kinds):
                c.problem(
                    line,
                    path,
                    f"supported only by {', '.join(sorted(set(kinds)))}: cite a peer-reviewed or guideline source too",
                )
        for sid, c, line, path in self.rule_source_checks:
            src = self.sources.get(sid)
            if src is not None and src.type not in criteria.RULE_SOURCE_KINDS:
                c.problem(
                    line,
                    path,
                    f"{sid!r} is a {src.type}: a selection criterion rests on a guideline, consensus or study"
                    f" ({', '.join(criteria.RULE_SOURCE_KINDS)})",
                )
        for ref, c, line, path in self.include_refs:
            if ref not in self.study_ids and ref not in self.sources:
                c.problem(line, path, f"unknown study or source {ref!r}{_hint(ref, list(self.study_ids), c)}")
        seen: dict[str, str] = {}
        for mod in self.modalities.values():
            for name in (mod.id, *mod.aliases):
                key = name.lower()
                if key in seen and seen[key] != mod.id:
                    self.problems.append(
                        Problem(
                            mod.loc.file if mod.loc else "",
                            mod.loc.line if mod.loc else None,
                            "aliases",
                            f"name {name!r} is claimed by both {seen[key]!r} and {mod.id!r}",
                        )
                    )
                seen[key] = mod.id
        return Evidence(
            modalities=self.modalities,
            outcomes=self.outcomes,
            factors=self.factors,
            sources=self.sources,
            files=tuple(self.files),
            synonyms=tuple(self.synonyms),
        )
