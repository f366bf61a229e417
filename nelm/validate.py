"""Check parsed evidence documents and build the model from them, collecting every problem."""

from __future__ import annotations

import datetime
import math
import re
import unicodedata
from typing import Any

from nelm import criteria, honest
from nelm.errors import MAX_CANDIDATES, MAX_PER_FILE, Problem, closest
from nelm.model import (
    Arm,
    Evidence,
    Factor,
    Finding,
    Item,
    Loc,
    Modality,
    Outcome,
    Source,
    Study,
    SynonymGroup,
    Technique,
)
from nelm.yamlsafe import Invalid, Map, Seq

SCHEMA = "nelm/2"
SCHEMAS = (SCHEMA,)
KINDS = ("outcomes", "bibliography", "modality", "topic", "synonyms")
DESIGNS = (
    "rct",
    "prospective-cohort",
    "retrospective-cohort",
    "case-series",
    "single-arm-trial",
    "registry",
    "case-control",
    "systematic-review",
    "meta-analysis",
    "pooled-trials",
    "narrative-review",
    "guideline",
    "unstated",
)
STATS = ("proportion", "median", "mean", "count", "hazard-ratio", "odds-ratio", "relative-risk", "comparison")
QUALIFIERS = ("approx", "up-to", "at-least", "more-than", "less-than")
UNITS = (
    "%",
    "months",
    "years",
    "weeks",
    "days",
    "hours",
    "ratio",
    "patients",
    "lesions",
    "procedures",
    "score",
    "cm",
    "mm",
    "ml",
    "GBq",
)
METHODS = ("kaplan-meier", "actuarial", "crude", "unspecified")
UNITS_OF_ANALYSIS = ("patient", "lesion", "procedure", "session", "treatment")
TUMOR_TYPES = (
    "carcinoid",
    "small-bowel",
    "pancreatic",
    "gastric",
    "colorectal",
    "lung",
    "gep-net",
    "unknown-primary",
    "mixed",
    "other",
)
NOT_STATED = ("n", "tumor_types", "period")  # study facts a source may leave out
SOURCE_TYPES = (
    # peer-reviewed
    "original",
    "systematic-review",
    "meta-analysis",
    "narrative-review",
    "book-chapter",
    "trial-protocol",
    # guidance
    "guideline",
    "consensus",
    "hta",
    # neither peer-reviewed nor guidance: flagged wherever cited
    "registry-record",
    "congress-abstract",
    "summary",
    "patient-information",
    "institutional-page",
    "news",
    "payer-policy",
    # legacy kinds, being migrated
    "review",
    "web-page",
    "abstract",
)
READ = ("abstract", "full-text", "summary")
CATEGORIES = ("surgical", "arterial", "ablative", "systemic", "other")
TOPICS = ("role", "efficacy", "risk", "evidence-base", "selection", "technique")
OUTCOME_KINDS = ("tte", "binary", "continuous")
OUTCOME_CATEGORIES = ("efficacy", "safety", "context")
SPREAD_KINDS = ("sd", "se", "unstated")
CONTRA_KINDS = ("absolute", "relative")
MAX_TEXT = 10_000

ID = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
PMID = re.compile(r"[1-9][0-9]{0,8}\Z")
DOI = re.compile(r"10\.[0-9]{4,9}/\S+\Z")
PMCID = re.compile(r"PMC[0-9]+\Z")
URL = re.compile(r"https?://\S+\Z")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
TIMEPOINT = re.compile(r"[0-9]+(\.[0-9]+)?(y|mo|wk|d|h)\Z")
_MISSING = object()
_QUOTE = "the number {!r} where text is expected: quote the text as written"


HINT_WORK = 100_000  # about the names compared for did-you-mean hints in one run; then no more hints


class _Budget:
    __slots__ = ("left",)

    def __init__(self) -> None:
        self.left = HINT_WORK


_hints = _Budget()  # reset by each Builder


def _hint(word: str, choices: tuple[str, ...] | list[str] | dict[str, Any], c: Checker) -> str:
    """ "; did you mean ...?" within the run's budget, and only while the file's problems are still printed."""
    if _hints.left <= 0 or c.count >= MAX_PER_FILE:
        return ""
    _hints.left -= len(choices) // 20 + min(len(choices), MAX_CANDIDATES) + 1  # scanning + comparing
    close = closest(word, choices)
    return f"; did you mean {close!r}?" if close else ""


class Checker:
    """Reads typed fields out of one file's mappings, recording problems with file and line."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file = file
        self.problems = problems
        self.count = 0  # problems of this file

    def problem(self, line: int | None, path: str, message: str) -> None:
        self.count += 1
        self.problems.append(Problem(self.file, line, path, message))

    def loc(self, m: Map) -> Loc:
        return Loc(self.file, m.line)

    def mapping(self, value: Any, line: int | None, path: str) -> Map | None:
        if isinstance(value, Map):
            return value
        if isinstance(value, Invalid):
            return None  # already reported by the reader
        self.problem(line, path, f"expected a mapping, got {_describe(value)}")
        return None

    def known(self, m: Map, path: str, fields: tuple[str, ...]) -> None:
        for key in m:
            if key not in fields:
                self.problem(
                    m.lines[key],
                    _join(path, key),
                    f"unknown field{_hint(key, fields, self)} (allowed: {', '.join(fields)})",
                )

    def get(
        self,
        m: Map,
        key: str,
        path: str,
        kind: str,
        *,
        required: bool = False,
        choices: tuple[str, ...] = (),
        pattern: re.Pattern[str] | None = None,
        low: float | None = None,
        high: float | None = None,
    ) -> Any:
        """Return a checked value of `kind` (str, int, num, bool, strs, pair) or None."""
        where = _join(path, key)
        line = m.lines.get(key, m.line)
        value = m.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required:
                self.problem(m.line, where, f"missing (expected {_expect(kind, choices)})")
            return None
        if _reported(value):
            return None
        if kind == "str" and isinstance(value, float):
            self.problem(line, where, _QUOTE.format(value))
            return None
        if kind == "strs" and isinstance(value, Seq):
            for i, x in enumerate(value):
                if isinstance(x, float):
                    self.problem(value.lines[i], f"{where}[{i}]", _QUOTE.format(x))
                    return None
        checker = getattr(self, "_" + kind)
        result = checker(value, line, where)
        if result is None:
            self.problem(line, where, f"expected {_expect(kind, choices)}, got {_describe(value)}")
            return None
        items = result if kind == "strs" else [result] if kind == "str" else []
        for item in items:
            if choices and item not in choices:
                self.problem(
                    line,
                    where,
                    f"{item!r} is not allowed{_hint(item, choices, self)} (expected one of: {', '.join(choices)})",
                )
                return None
            if pattern and not pattern.match(item):
                self.problem(
                    line, where, f"{item!r} is malformed (expected {_PATTERN_NAMES.get(pattern, pattern.pattern)})"
                )
                return None
        if kind in ("int", "num") and ((low is not None and result < low) or (high is not None and result > high)):
            self.problem(
                line,
                where,
                f"{result} is out of range (expected {low:g} to {high:g})"
                if high is not None
                else f"{result} is out of range (expected at least {low:g})",
            )
            return None
        return result

    def _str(self, v: Any, line: int, where: str) -> str | None:
        if isinstance(v, bool) or not isinstance(v, (str, int, float)):
            return None
        s = str(v).strip()
        if not s:
            self.problem(line, where, "empty text")
        elif len(s) > MAX_TEXT:
            self.problem(line, where, f"text longer than {MAX_TEXT} characters")
        return s

    def _int(self, v: Any, line: int, where: str) -> int | None:
        return v if isinstance(v, int) and not isinstance(v, bool) else None

    def _num(self, v: Any, line: int, where: str) -> float | int | None:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return None
        if isinstance(v, float) and not math.isfinite(v):
            self.problem(line, where, f"{v} is not a finite number")
            return v  # reported; keep the type check quiet
        return v

    def _bool(self, v: Any, line: int, where: str) -> bool | None:
        return v if isinstance(v, bool) else None

    def _strs(self, v: Any, line: int, where: str) -> tuple[str, ...] | None:
        if isinstance(v, Seq) and all(isinstance(x, str) and x.strip() for x in v):
            return tuple(x.strip() for x in v)
        return None

    def _pair(self, v: Any, line: int, where: str) -> tuple[float, float] | None:
        if (
            isinstance(v, Seq)
            and len(v) == 2
            and all(isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in v)
        ):
            if v[0] > v[1]:
                self.problem(line, where, f"[{v[0]}, {v[1]}] is not in order (expected [low, high])")
            return (v[0], v[1])
        return None


_PATTERN_NAMES = {
    ID: "lowercase letters, digits and hyphens",
    PMID: 'digits only, e.g. "22646257"',
    DOI: "a DOI such as 10.1586/egh.11.60",
    PMCID: "PMC followed by digits",
    URL: "an http(s) URL",
    DATE: "a date YYYY-MM-DD",
    TIMEPOINT: "a timepoint such as 5y, 6mo, 30d, 1wk",
}


_RATIOS = ("hazard-ratio", "odds-ratio", "relative-risk")


def _pair_bounds(
    c: Checker, m: Map, key: str, path: str, pair: tuple[float, float], stat: str | None, unit: str | None
) -> None:
    """A CI, range or IQR of a percentage lies within 0..100; that of a ratio is not negative."""
    if unit == "%" and (pair[0] < 0 or pair[1] > 100):
        c.problem(m.lines[key], _join(path, key), f"{_fmt(pair)} is not within 0 to 100 (the unit is %)")
    elif stat in _RATIOS and pair[0] < 0:
        c.problem(m.lines[key], _join(path, key), f"{_fmt(pair)} goes below 0 (a {stat} is never negative)")


def _ci_level(c: Checker, m: Map, path: str) -> float:
    """The confidence level as a fraction below 1, kept exactly (0.999 is a 99.9% CI)."""
    level = c.get(m, "ci_level", path, "num", low=0.5)
    if level is not None and level >= 1:
        c.problem(
            m.lines["ci_level"],
            _join(path, "ci_level"),
            f"{level:g} is not a fraction below 1 (e.g. 0.95 for a 95% CI)",
        )
        return 0.95
    return 0.95 if level is None else level


def _past_date(c: Checker, m: Map, key: str, path: str, *, required: bool = False) -> str | None:
    """A YYYY-MM-DD date that exists on the calendar and is not in the future."""
    text = c.get(m, key, path, "str", required=required, pattern=DATE)
    if text is None:
        return None
    try:
        date = datetime.date.fromisoformat(text)
    except ValueError:
        c.problem(m.lines[key], _join(path, key), f"{text} is not a calendar date")
        return None
    if date > datetime.date.today():
        c.problem(m.lines[key], _join(path, key), f"{text} is in the future")
    return text


# Never allowed in evidence text or keys: C0 and C1 controls (ESC, NUL, ...), DEL, and the
# invisible marks that reorder text on a terminal (bidi overrides and isolates) or split lines.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_ANY = re.compile(_CONTROL.pattern[:-1] + r"\t\n]")  # and tabs and line breaks, outside prose
# Prose fields may hold line breaks and tabs (block text); every other field is one line.
PROSE = ("description", "summary", "text", "note", "population", "definition", "loe_note")


def _control_characters(c: Checker, root: Map) -> None:
    """Report control characters in every key and text value of a document."""
    stack: list[tuple[Any, str, int, bool]] = [(root, "", root.line, False)]
    while stack:
        node, path, line, prose = stack.pop()
        if isinstance(node, Map):
            for key, value in reversed(node.items()):  # reversed: problems come out in file order
                where, kline = _join(path, key), node.lines.get(key, node.line)
                bad = _ANY.search(key)
                if bad:
                    c.problem(kline, where, f"the key contains {_char(bad.group())}; remove it")
                stack.append((value, where, kline, key in PROSE))
        elif isinstance(node, Seq):
            stack.extend((node[i], _join(path, i), node.lines[i], prose) for i in reversed(range(len(node))))
        elif isinstance(node, str):
            bad = _CONTROL.search(node) if prose else _ANY.search(node.strip()) or _CONTROL.search(node)
            if bad:
                extra = (
                    ""
                    if prose or bad.group() not in "\t\n"
                    else " (a line break or tab belongs only in prose such as note)"
                )
                c.problem(line, path, f"contains {_char(bad.group())}; remove it{extra}")


_CHAR_NAMES = {
    "\t": "TAB",
    "\n": "LINE FEED",
    "\r": "CARRIAGE RETURN",
    "\x1b": "ESCAPE",
    "\x00": "NUL",
    "\x7f": "DELETE",
}


def _char(ch: str) -> str:
    import unicodedata

    name = _CHAR_NAMES.get(ch) or unicodedata.name(ch, "")
    return f"the control character U+{ord(ch):04X}" + (f" ({name})" if name else "")


def _reported(value: Any) -> bool:
    """True for a value the YAML reader already reported (a number it could not read as written)."""
    return isinstance(value, Invalid) or (isinstance(value, Seq) and any(isinstance(x, Invalid) for x in value))


def _expect(kind: str, choices: tuple[str, ...]) -> str:
    if choices:
        return "one of: " + ", ".join(choices)
    return {
        "str": "text",
        "int": "a whole number",
        "num": "a number",
        "bool": "true or false",
        "strs": "a list of text items",
        "pair": "two numbers [low, high]",
    }[kind]


def _describe(v: Any) -> str:
    if v is None:
        return "nothing"
    if isinstance(v, bool):
        return f"boolean {v}"
    if isinstance(v, Map):
        return "a mapping"
    if isinstance(v, Seq):
        return "a list"
    text = repr(v)
    return f"{type(v).__name__} {text[:40] + '...' if len(text) > 40 else text}"


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _items(c: Checker, m: Map, key: str, path: str) -> list[tuple[Map, str]]:
    """The mappings of a list field, each with its path."""
    value = m.get(key)
    if value is None:
        return []
    if not isinstance(value, Seq):
        c.problem(m.lines.get(key, m.line), _join(path, key), f"expected a list, got {_describe(value)}")
        return []
    out = []
    for i, item in enumerate(value):
        where = f"{_join(path, key)}[{i}]"
        checked = c.mapping(item, value.lines[i], where)
        if checked is not None:
            out.append((checked, where))
    return out


class Builder:
    """Turns parsed documents into an Evidence model; problems accumulate in `problems`."""

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
        _hints.left = HINT_WORK

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
            self._outcomes(c, root)
        elif kind == "bibliography":
            self._bibliography(c, root)
        elif kind in ("modality", "topic"):
            self._modality(c, root, kind, stem)
        elif kind == "synonyms":
            self.synonyms += synonym_groups(c, root, self.synonym_terms)

    def _outcomes(self, c: Checker, root: Map) -> None:
        c.known(root, "", ("schema", "kind", "outcomes", "factors"))
        for m, path in _items(c, root, "factors", ""):
            c.known(m, path, ("id", "label", "description", "when"))
            fid = c.get(m, "id", path, "str", required=True, pattern=ID)
            when = m.get("when")
            when_map = c.mapping(when, m.lines.get("when"), _join(path, "when")) if when is not None else None
            if fid and self._unique(c, m, path, fid, self.factors, "factor"):
                self.factors[fid] = Factor(
                    id=fid,
                    label=c.get(m, "label", path, "str", required=True) or fid,
                    description=c.get(m, "description", path, "str") or "",
                    when=criteria.condition(c, when_map, _join(path, "when")) if when_map is not None else None,
                    loc=c.loc(m),
                )
        for m, path in _items(c, root, "outcomes", ""):
            c.known(
                m,
                path,
                ("id", "label", "kind", "unit", "higher_is_better", "category", "description", "dimensions", "core"),
            )
            oid = c.get(m, "id", path, "str", required=True, pattern=ID)
            if oid is None or not self._unique(c, m, path, oid, self.outcomes, "outcome"):
                continue
            hib = m.get("higher_is_better", _MISSING)
            if hib is _MISSING or not (hib is None or isinstance(hib, bool)):
                c.problem(
                    m.lines.get("higher_is_better", m.line),
                    _join(path, "higher_is_better"),
                    "expected true, false or null" + ("" if hib is _MISSING else f", got {_describe(hib)}"),
                )
                hib = None
            self.outcomes[oid] = Outcome(
                id=oid,
                label=c.get(m, "label", path, "str", required=True) or oid,
                kind=c.get(m, "kind", path, "str", required=True, choices=OUTCOME_KINDS) or "binary",
                unit=c.get(m, "unit", path, "str", required=True) or "",
                higher_is_better=hib,
                category=c.get(m, "category", path, "str", required=True, choices=OUTCOME_CATEGORIES) or "efficacy",
                description=c.get(m, "description", path, "str") or "",
                dimensions=c.get(m, "dimensions", path, "strs", choices=honest.DIMENSIONS) or (),
                core=bool(c.get(m, "core", path, "bool")),
                loc=c.loc(m),
            )

    def _bibliography(self, c: Checker, root: Map) -> None:
        c.known(root, "", ("schema", "kind", "sources"))
        fields = (
            "id",
            "type",
            "authors",
            "et_al",
            "title",
            "journal",
            "publisher",
            "year",
            "volume",
            "issue",
            "pages",
            "pmid",
            "doi",
            "pmcid",
            "url",
            "seed",
            "read",
            "short",
            "corporate_author",
            "read_url",
            "accessed",
            "note",
        )
        for m, path in _items(c, root, "sources", ""):
            c.known(m, path, fields)
            sid = c.get(m, "id", path, "str", required=True, pattern=ID)
            if sid is None or not self._unique(c, m, path, sid, self.sources, "source"):
                continue
            stype = c.get(m, "type", path, "str", required=True, choices=SOURCE_TYPES)
            if stype in honest.LEGACY_SOURCE_TYPES:
                c.problem(
                    m.lines.get("type"),
                    _join(path, "type"),
                    f"{stype!r} is a nelm/1 kind: say what the source is (e.g. narrative-review, patient-information,"
                    " institutional-page, news, payer-policy, congress-abstract)",
                )
            src = Source(
                id=sid,
                type=stype or "original",
                title=c.get(m, "title", path, "str", required=True) or "",
                year=c.get(m, "year", path, "int", low=1900, high=self.this_year),
                authors=c.get(m, "authors", path, "strs") or (),
                et_al=bool(c.get(m, "et_al", path, "bool")),
                journal=c.get(m, "journal", path, "str"),
                publisher=c.get(m, "publisher", path, "str"),
                volume=c.get(m, "volume", path, "str"),
                issue=c.get(m, "issue", path, "str"),
                pages=c.get(m, "pages", path, "str"),
                pmid=c.get(m, "pmid", path, "str", pattern=PMID),
                doi=c.get(m, "doi", path, "str", pattern=DOI),
                pmcid=c.get(m, "pmcid", path, "str", pattern=PMCID),
                url=c.get(m, "url", path, "str", pattern=URL),
                seed=c.get(m, "seed", path, "str"),
                read=c.get(m, "read", path, "str", choices=READ),
                short=c.get(m, "short", path, "str"),
                corporate_author=c.get(m, "corporate_author", path, "str"),
                read_url=c.get(m, "read_url", path, "str", pattern=URL),
                note=c.get(m, "note", path, "str"),
                loc=c.loc(m),
            )
            _past_date(c, m, "accessed", path)
            if src.read and not (src.url or src.seed):
                c.problem(m.line, path, f"source {sid!r} was read but has no url (give the address of the text read)")
            self.sources[sid] = src

    def _modality(self, c: Checker, root: Map, kind: str, stem: str) -> None:
        c.known(
            root,
            "",
            (
                "schema",
                "kind",
                "id",
                "name",
                "aliases",
                "category",
                "reviewed",
                "searched",
                "summary",
                "description",
                "indications",
                "contraindications",
                "statements",
                "techniques",
                "criteria",
                "studies",
            ),
        )
        mid = c.get(root, "id", "", "str", required=True, pattern=ID)
        if mid is None:
            return
        if mid != stem:
            c.problem(root.lines.get("id"), "id", f"{mid!r} does not match the file name (expected {stem!r})")
        if mid in self.modalities:
            c.problem(
                root.lines.get("id"), "id", f"modality {mid!r} is defined twice (also at {self.modalities[mid].loc})"
            )
            return
        reviewed = _past_date(c, root, "reviewed", "", required=kind == "modality")
        searched = _past_date(c, root, "searched", "")
        techniques = []
        for m, path in _items(c, root, "techniques", ""):
            c.known(m, path, ("id", "label"))
            tid = c.get(m, "id", path, "str", required=True, pattern=ID)
            if tid and self._unique(c, m, path, tid, self.techniques, "technique"):
                label = c.get(m, "label", path, "str", required=True) or tid
                t = Technique(id=tid, label=label, modality=mid, loc=c.loc(m))
                self.techniques[tid] = t
                techniques.append(t)
        studies = []
        for m, path in _items(c, root, "studies", ""):
            study = self._study(c, m, path, mid)
            if study is not None:
                studies.append(study)
        rules, rule_refs = criteria.criteria(c, root, self.criterion_ids)
        for sid, line, path in rule_refs:
            self.refs.append(("source", sid, c, line, path))
            self.rule_source_checks.append((sid, c, line, path))
        self.modalities[mid] = Modality(
            id=mid,
            kind=kind,
            name=c.get(root, "name", "", "str", required=True) or mid,
            summary=c.get(root, "summary", "", "str", required=True) or "",
            description=c.get(root, "description", "", "str") or "",
            aliases=c.get(root, "aliases", "", "strs") or (),
            category=c.get(root, "category", "", "str", required=kind == "modality", choices=CATEGORIES),
            reviewed=reviewed,
            searched=searched,
            indications=self._list_items(c, root, "indications", ()),
            contraindications=self._list_items(c, root, "contraindications", ("kind",)),
            statements=self._list_items(c, root, "statements", ("topic", "factors")),
            studies=tuple(studies),
            techniques=tuple(techniques),
            criteria=tuple(rules),
            loc=c.loc(root),
        )

    def _list_items(self, c: Checker, root: Map, key: str, extra: tuple[str, ...]) -> tuple[Item, ...]:
        out = []
        for m, path in _items(c, root, key, ""):
            c.known(m, path, ("text", "sources", "cites", "grade", *extra))
            sources = c.get(m, "sources", path, "strs", required=True) or ()
            for sid in sources:
                self.refs.append(("source", sid, c, m.lines.get("sources", m.line), _join(path, "sources")))
            if sources and key in ("indications", "contraindications"):
                self.support_checks.append((sources, c, m.lines.get("sources", m.line), _join(path, "sources")))
            if "sources" in m and not sources and isinstance(m["sources"], Seq) and not m["sources"]:
                c.problem(m.line, _join(path, "sources"), "empty (every item needs at least one source)")
            out.append(
                Item(
                    text=c.get(m, "text", path, "str", required=True) or "",
                    sources=sources,
                    cites=c.get(m, "cites", path, "str"),
                    kind=c.get(m, "kind", path, "str", required=True, choices=CONTRA_KINDS)
                    if "kind" in extra
                    else None,
                    topic=c.get(m, "topic", path, "str", required=True, choices=TOPICS) if "topic" in extra else None,
                    grade=c.get(m, "grade", path, "str"),
                    factors=self._factor_refs(c, m, path) if "factors" in extra else (),
                    loc=c.loc(m),
                )
            )
        return tuple(out)

    def _factor_refs(self, c: Checker, m: Map, path: str) -> tuple[str, ...]:
        factors = c.get(m, "factors", path, "strs", pattern=ID) or ()
        for fid in factors:
            self.refs.append(("factor", fid, c, m.lines.get("factors", m.line), _join(path, "factors")))
        return factors

    def _study(self, c: Checker, m: Map, path: str, modality: str) -> Study | None:
        c.known(
            m,
            path,
            (
                "id",
                "source",
                "via",
                "cites",
                "design",
                "comparative",
                "loe",
                "loe_note",
                "n",
                "n_qualifier",
                "k",
                "tumor_types",
                "population",
                "liver_only",
                "indirect",
                "period",
                "not_stated",
                "url",
                "arms",
                "findings",
                "note",
                *honest.STUDY_FIELDS,
            ),
        )
        sid = c.get(m, "id", path, "str", required=True, pattern=ID)
        if sid is None:
            return None
        if sid in self.study_ids:
            c.problem(
                m.lines.get("id"), _join(path, "id"), f"study id {sid!r} is used twice (also at {self.study_ids[sid]})"
            )
            return None
        self.study_ids[sid] = c.loc(m)
        source = c.get(m, "source", path, "str", required=True)
        via = c.get(m, "via", path, "str")
        for key, ref in (("source", source), ("via", via)):
            if ref:
                self.refs.append(("source", ref, c, m.lines[key], _join(path, key)))
        if source:
            self.read_checks.append(
                (source, via, c, m.lines.get("via", m.lines["source"]), _join(path, "via" if via else "source"))
            )
        n = c.get(m, "n", path, "int", low=1)
        arms = []
        arm_ids: set[str] = set()
        for am, apath in _items(c, m, "arms", path):
            c.known(am, apath, ("id", "label", "modality", "technique", "n", "n_derived"))
            aid = c.get(am, "id", apath, "str", required=True, pattern=ID)
            if aid is None:
                continue
            if aid in arm_ids:
                c.problem(am.lines.get("id"), _join(apath, "id"), f"arm id {aid!r} is used twice in this study")
                continue
            arm_ids.add(aid)
            mods = c.get(am, "modality", apath, "strs") or ()
            for mod in mods:
                self.refs.append(("modality", mod, c, am.lines.get("modality", am.line), _join(apath, "modality")))
            technique = c.get(am, "technique", apath, "str")
            if technique:
                self.technique_refs.append((technique, mods, c, am.lines["technique"], _join(apath, "technique")))
            arm_n = c.get(am, "n", apath, "int", low=1)
            if arm_n and n and arm_n > n and not m.get("n_qualifier"):
                c.problem(am.lines.get("n"), _join(apath, "n"), f"arm n {arm_n} exceeds the study's n {n}")
            arms.append(
                Arm(
                    id=aid,
                    label=c.get(am, "label", apath, "str", required=True) or aid,
                    modalities=mods,
                    n=arm_n,
                    n_derived=bool(c.get(am, "n_derived", apath, "bool")),
                    technique=technique,
                )
            )
        period = None
        pm = m.get("period")
        if pm is not None:
            pmap = c.mapping(pm, m.lines.get("period"), _join(path, "period"))
            if pmap is not None:
                ppath = _join(path, "period")
                c.known(pmap, ppath, ("start", "end"))
                start = c.get(pmap, "start", ppath, "int", low=1900, high=self.this_year)
                end = c.get(pmap, "end", ppath, "int", low=1900, high=self.this_year)
                if start and end and start > end:
                    c.problem(pmap.line, ppath, f"start {start} is after end {end}")
                period = (start, end)
        study_n_qual = c.get(m, "n_qualifier", path, "str", choices=QUALIFIERS)
        not_stated = c.get(m, "not_stated", path, "strs", choices=NOT_STATED) or ()
        for key in not_stated:
            if key in m:
                c.problem(
                    m.lines.get("not_stated"), _join(path, "not_stated"), f"{key!r} is given and listed as not stated"
                )
        findings = []
        arm_map = {a.id: a for a in arms}
        for fm, fpath in _items(c, m, "findings", path):
            f = self._finding(c, fm, fpath, sid, modality, arm_map, None if study_n_qual else n)
            if f is not None:
                findings.append(f)
        extras = honest.study_extras(c, m, path, study=sid, modality=modality, arms=arm_map, refs=self.refs)
        for ref in extras["includes"]:
            self.include_refs.append((ref, c, m.lines["includes"], _join(path, "includes")))
        if "findings" not in m and not extras["comparisons"]:
            c.problem(m.line, _join(path, "findings"), "missing (a study needs at least one finding or comparison)")
        return Study(
            id=sid,
            modality=modality,
            source=source or "",
            via=via,
            cites=c.get(m, "cites", path, "str"),
            design=c.get(m, "design", path, "str", required=True, choices=DESIGNS) or "unstated",
            comparative=bool(c.get(m, "comparative", path, "bool")),
            loe=c.get(m, "loe", path, "int", required=True, low=1, high=5),
            loe_note=c.get(m, "loe_note", path, "str"),
            n=n,
            n_qualifier=study_n_qual,
            k=c.get(m, "k", path, "int", low=1),
            tumor_types=c.get(m, "tumor_types", path, "strs", choices=TUMOR_TYPES) or (),
            population=c.get(m, "population", path, "str", required=True),
            liver_only=c.get(m, "liver_only", path, "bool"),
            indirect=bool(c.get(m, "indirect", path, "bool")),
            period=period,
            not_stated=tuple(not_stated),
            url=c.get(m, "url", path, "str", pattern=URL),
            arms=tuple(arms),
            findings=tuple(findings),
            note=c.get(m, "note", path, "str"),
            loc=c.loc(m),
            **extras,
        )

    def _finding(
        self, c: Checker, m: Map, path: str, study: str, modality: str, arms: dict[str, Arm], study_n: int | None
    ) -> Finding | None:
        c.known(
            m,
            path,
            (
                "outcome",
                "arm",
                "vs",
                "stat",
                "value",
                "qualifier",
                "unit",
                "timepoint",
                "n",
                "n_qualifier",
                "events",
                "derived",
                "ci",
                "ci_level",
                "range",
                "iqr",
                "spread",
                "spread_kind",
                "p",
                "p_qualifier",
                "method",
                "criteria",
                "unit_of_analysis",
                "definition",
                "source_loc",
                "note",
                *honest.FINDING_FIELDS,
            ),
        )
        outcome = c.get(m, "outcome", path, "str", required=True)
        if outcome:
            self.refs.append(("outcome", outcome, c, m.lines["outcome"], _join(path, "outcome")))
        stat = c.get(m, "stat", path, "str", required=True, choices=STATS)
        value: Any = None
        raw = m.get("value")
        if raw is not None:
            value = c.get(m, "value", path, "pair") if isinstance(raw, Seq) else c.get(m, "value", path, "num")
        elif stat and stat != "comparison":
            c.problem(m.line, _join(path, "value"), f"missing (a {stat} needs a value)")
        unit = c.get(m, "unit", path, "str", required=stat not in (None, "comparison"), choices=UNITS)
        p = c.get(m, "p", path, "num", low=0, high=1)
        if p == 0:
            c.problem(
                m.lines["p"],
                _join(path, "p"),
                "0 is not a p value (for p < 0.001 write p: 0.001, p_qualifier: less-than)",
            )
        if stat == "comparison" and p is None and not m.get("note") and not m.get("definition"):
            c.problem(m.line, path, "a comparison needs a p value or a definition")
        lo, hi = (value if isinstance(value, tuple) else (value, value)) if value is not None else (None, None)
        vline = m.lines.get("value", m.line)
        if stat == "proportion" and unit and unit != "%":
            c.problem(m.lines.get("unit"), _join(path, "unit"), f'{unit!r} for a proportion (expected "%")')
        if unit == "%" and lo is not None and (lo < 0 or hi > 100):
            c.problem(vline, _join(path, "value"), f"{_fmt(value)} is not a percentage (expected 0 to 100)")
        if stat in ("median", "mean", "count") and lo is not None and lo < 0:
            c.problem(vline, _join(path, "value"), f"{_fmt(value)} is negative")
        if stat in ("hazard-ratio", "odds-ratio", "relative-risk") and lo is not None and lo <= 0:
            c.problem(vline, _join(path, "value"), f"{_fmt(value)} is not a valid ratio (expected above 0)")
        n = c.get(m, "n", path, "int", low=1)
        events = c.get(m, "events", path, "int", low=0)
        uoa = c.get(m, "unit_of_analysis", path, "str", choices=UNITS_OF_ANALYSIS)
        if events is not None and n is not None and events > n:
            c.problem(m.lines["events"], _join(path, "events"), f"events {events} exceed n {n}")
        elif (
            events is not None
            and n is None
            and "n" not in m
            and study_n
            and events > study_n
            and uoa in (None, "patient")
        ):
            c.problem(m.lines["events"], _join(path, "events"), f"events {events} exceed the study's n {study_n}")
        if n and study_n and n > study_n and uoa in (None, "patient") and not m.get("n_qualifier"):
            c.problem(
                m.lines["n"],
                _join(path, "n"),
                f"n {n} exceeds the study's n {study_n} (set unit_of_analysis if these are lesions or sessions)",
            )
        ranges: dict[str, Any] = {}
        for key in ("ci", "range", "iqr"):
            ranges[key] = pair = c.get(m, key, path, "pair")
            if pair and lo is not None and lo == hi and not (pair[0] <= lo <= pair[1]):
                c.problem(m.lines[key], _join(path, key), f"{_fmt(pair)} does not contain the value {_fmt(value)}")
            elif pair:
                _pair_bounds(c, m, key, path, pair, stat, unit)
        timepoint = c.get(m, "timepoint", path, "str", pattern=TIMEPOINT)
        if outcome and stat == "proportion" and timepoint is None and self._outcome_kind(outcome) == "tte":
            c.problem(m.line, _join(path, "timepoint"), "missing (a survival percentage needs a timepoint such as 5y)")
        arm = c.get(m, "arm", path, "str")
        vs = c.get(m, "vs", path, "str")
        for key, ref in (("arm", arm), ("vs", vs)):
            if ref and ref not in arms:
                c.problem(
                    m.lines[key], _join(path, key), f"arm {ref!r} is not an arm of this study{_hint(ref, arms, c)}"
                )
        mods = arms[arm].modalities if arm in arms else (modality,)
        technique = arms[arm].technique if arm in arms else None
        extras = honest.finding_extras(c, m, path)
        if extras["factor"]:
            self.refs.append(("factor", extras["factor"], c, m.lines["factor"], _join(path, "factor")))
        o = self.outcomes.get(outcome or "")
        honest.check_finding(
            c,
            m,
            path,
            stat=stat,
            outcome_dims=o.dimensions if o else (),
            outcome_kind=o.kind if o else None,
            n=n,
            study_n=study_n,
            has_arm=arm is not None,
            subgroup=extras["subgroup"],
            uoa=uoa,
        )
        return Finding(
            outcome=outcome or "",
            stat=stat or "",
            study=study,
            modalities=mods,
            technique=technique,
            value=value,
            unit=unit,
            qualifier=c.get(m, "qualifier", path, "str", choices=QUALIFIERS),
            arm=arm,
            vs=vs,
            timepoint=timepoint,
            n=n,
            n_unstated="n" in m and m["n"] is None,
            n_qualifier=c.get(m, "n_qualifier", path, "str", choices=QUALIFIERS),
            events=events,
            derived=bool(c.get(m, "derived", path, "bool")),
            ci=ranges["ci"],
            ci_level=_ci_level(c, m, path),
            range=ranges["range"],
            iqr=ranges["iqr"],
            spread=c.get(m, "spread", path, "num", low=0),
            spread_kind=c.get(m, "spread_kind", path, "str", choices=SPREAD_KINDS),
            p=p,
            p_qualifier=c.get(m, "p_qualifier", path, "str", choices=QUALIFIERS),
            method=c.get(m, "method", path, "str", choices=METHODS),
            criteria=c.get(m, "criteria", path, "str"),
            unit_of_analysis=uoa,
            definition=c.get(m, "definition", path, "str"),
            source_loc=c.get(m, "source_loc", path, "str"),
            note=c.get(m, "note", path, "str"),
            loc=c.loc(m),
            **extras,
        )

    def _outcome_kind(self, outcome: str) -> str | None:
        o = self.outcomes.get(outcome)
        return o.kind if o else None

    def _unique(self, c: Checker, m: Map, path: str, key: str, seen: dict[str, Any], what: str) -> bool:
        if key in seen:
            c.problem(
                m.lines.get("id"), _join(path, "id"), f"{what} id {key!r} is defined twice (also at {seen[key].loc})"
            )
            return False
        return True

    # -- whole-evidence checks -----------------------------------------------------------------
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


def _fmt(v: Any) -> str:
    if isinstance(v, tuple):
        return f"[{v[0]:g}, {v[1]:g}]"
    return f"{v:g}" if isinstance(v, (int, float)) else str(v)


# -- synonyms.yaml: the search vocabulary ---------------------------------------------------------
def fold(text: str) -> str:
    """Lower case without accents: what search compares."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)).casefold()


def term_key(text: str) -> str:
    """A term as search compares it: case, accents, hyphens and spacing do not count."""
    return " ".join(re.findall(r"\w+", fold(text)))


def synonym_groups(c: Checker, root: Map, seen: dict[str, Loc]) -> list[SynonymGroup]:
    """The groups of a `kind: synonyms` file. A term may be listed once across all groups (`seen`);
    `implies` may name any phrase, but not a term of its own group."""
    c.known(root, "", ("schema", "kind", "groups"))
    if root.get("groups") is None:
        c.problem(root.lines.get("groups", root.line), "groups", "missing (expected a list of synonym groups)")
        return []
    groups = []
    for m, path in _items(c, root, "groups", ""):
        c.known(m, path, ("terms", "implies", "note"))
        terms = _terms(c, m, "terms", path, seen)
        own = {term_key(t) for t in terms}
        implied: dict[str, Loc] = {}
        for text in _terms(c, m, "implies", path, implied, required=False):
            if term_key(text) in own:
                where = _join(path, "implies")
                c.problem(m.lines["implies"], where, f"{text!r} is a term of this group (a group implies other terms)")
        if terms:
            groups.append(
                SynonymGroup(
                    terms=terms,
                    implies=tuple(implied),
                    note=c.get(m, "note", path, "str"),
                    loc=c.loc(m),
                )
            )
    return groups


def _terms(c: Checker, m: Map, key: str, path: str, seen: dict[str, Loc], *, required: bool = True) -> tuple[str, ...]:
    """The terms of a list field, each new to `seen` (which gains them)."""
    where = _join(path, key)
    value = m.get(key)
    if value is None:
        if required:
            c.problem(m.lines.get(key, m.line), where, "missing (expected a list of terms)")
        return ()
    if not isinstance(value, Seq):
        if not _reported(value):
            c.problem(m.lines[key], where, f"expected a list of terms, got {_describe(value)}")
        return ()
    if not value and required:
        c.problem(m.lines[key], where, "empty list (expected at least one term)")
    out = []
    for i, item in enumerate(value):
        line, at = value.lines[i], f"{where}[{i}]"
        if _reported(item):
            continue
        if isinstance(item, float):
            c.problem(line, at, _QUOTE.format(item))
        elif isinstance(item, bool) or not isinstance(item, (str, int)):
            c.problem(line, at, f"expected a term (text), got {_describe(item)}")
        elif not term_key(str(item)):
            c.problem(line, at, "empty term (a term needs letters or digits)")
        elif term_key(str(item)) in seen:
            c.problem(line, at, f"term {str(item).strip()!r} is listed twice (also at {seen[term_key(str(item))]})")
        else:
            seen[term_key(str(item))] = Loc(c.file, line)
            out.append(str(item).strip())
    return tuple(out)
