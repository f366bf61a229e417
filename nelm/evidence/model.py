"""The in-memory evidence model: plain, frozen, typed records."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nelm.evidence.patient import Condition

Number = int | float
Value = Number | tuple[Number, Number] | None


@dataclass(frozen=True, slots=True)
class Loc:
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True)
class Source:
    id: str
    type: str
    title: str
    year: int | None = None
    authors: tuple[str, ...] = ()
    et_al: bool = False
    journal: str | None = None
    publisher: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    pmid: str | None = None
    doi: str | None = None
    pmcid: str | None = None
    url: str | None = None
    seed: str | None = None
    read: str | None = None
    short: str | None = None
    corporate_author: str | None = None  # an organisation as author (NICE, PDQ board): `short` names it
    read_url: str | None = None  # where the text was actually read, when not the canonical `url`
    note: str | None = None
    loc: Loc | None = None

    @property
    def label(self) -> str:
        """Short citation such as 'Musunuru 2006' or 'PDQ 2014'."""
        if self.short:
            name = self.short
        elif self.authors:
            first = self.authors[0]
            name = (
                "".join(w[0] for w in first.split() if w[:1].isupper()) if len(first.split()) > 3 else first.split()[0]
            )
        else:
            name = self.journal or self.publisher or self.id
        return f"{name} {self.year}" if self.year and str(self.year) not in name else name


@dataclass(frozen=True, slots=True)
class Outcome:
    id: str
    label: str
    kind: str
    unit: str
    higher_is_better: bool | None
    category: str
    description: str = ""
    dimensions: tuple[str, ...] = ()  # finding fields that decide whether two figures measure the same
    core: bool = False  # among the outcomes a tumour board asks about first
    loc: Loc | None = None


@dataclass(frozen=True, slots=True)
class Factor:
    """A patient factor that changes a risk (a bilioenteric anastomosis, a liver mostly replaced)."""

    id: str
    label: str
    description: str = ""
    when: Condition | None = None  # which patients have it, in terms of the match profile
    loc: Loc | None = None


@dataclass(frozen=True, slots=True)
class Criterion:
    """A selection rule of a modality: when `when` holds for a patient, `verdict` applies, for `reason`."""

    id: str
    when: Condition
    verdict: str  # candidate | caution | not-suitable
    reason: str
    sources: tuple[str, ...]
    grade: str | None = None  # the source's own grade for the position, as printed
    loc: Loc | None = None


@dataclass(frozen=True, slots=True)
class Arm:
    id: str
    label: str
    modalities: tuple[str, ...] = ()
    n: int | None = None
    n_derived: bool = False
    technique: str | None = None  # id of a technique declared by one of `modalities`


@dataclass(frozen=True, slots=True)
class Technique:
    """A variant of a modality whose figures must stay apart (e.g. lipiodol vs drug-eluting-bead TACE)."""

    id: str
    label: str
    modality: str
    loc: Loc | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    outcome: str
    stat: str
    study: str
    modalities: tuple[str, ...]
    technique: str | None = None  # from the finding's arm
    value: Value = None
    unit: str | None = None
    qualifier: str | None = None
    arm: str | None = None
    vs: str | None = None
    timepoint: str | None = None
    n: int | None = None
    n_qualifier: str | None = None
    n_unstated: bool = False  # `n: null`: the source gives no denominator; do not show the study's
    events: int | None = None
    derived: bool = False
    ci: tuple[Number, Number] | None = None
    ci_level: float = 0.95
    range: tuple[Number, Number] | None = None
    iqr: tuple[Number, Number] | None = None
    spread: Number | None = None
    spread_kind: str | None = None
    p: float | None = None
    p_qualifier: str | None = None
    method: str | None = None
    criteria: str | None = None
    unit_of_analysis: str | None = None
    definition: str | None = None
    source_loc: str | None = None
    note: str | None = None
    subgroup: str | None = None  # the subset this figure describes (its n is the subset's)
    time_origin: str | None = None  # survival: primary-diagnosis | metastasis-diagnosis | treatment | unstated
    response_level: str | None = None  # response: any | significant | complete
    factor: str | None = None  # the patient factor its subgroup has (a factor id from the vocabulary)
    loc: Loc | None = None


@dataclass(frozen=True, slots=True)
class Comparison:
    """A head-to-head result: two arms (or an exposure and its absence), one measure, its direction."""

    outcome: str
    measure: str  # hazard-ratio | odds-ratio | relative-risk | risk-difference | median-difference | ...
    study: str
    modalities: tuple[str, ...]  # every modality either side belongs to
    arm: str | None = None
    vs: str | None = None
    exposure: str | None = None  # a risk factor, for exposure-versus-absence comparisons
    reference: str | None = None
    value: Value = None
    qualifier: str | None = None
    unit: str | None = None
    ci: tuple[Number, Number] | None = None
    ci_level: float = 0.95
    p: float | None = None
    p_qualifier: str | None = None
    adjusted: bool | None = None
    direction: str | None = None  # in words: "HR below 1 favours chemoembolization"
    timepoint: str | None = None
    subgroup: str | None = None
    n: int | None = None
    n_unstated: bool = False
    definition: str | None = None
    source_loc: str | None = None
    note: str | None = None
    factor: str | None = None  # the patient factor its exposure is (a factor id from the vocabulary)
    loc: Loc | None = None


@dataclass(frozen=True, slots=True)
class Study:
    id: str
    modality: str
    source: str
    design: str
    findings: tuple[Finding, ...] = ()
    via: str | None = None
    cites: str | None = None
    comparative: bool = False
    loe: int | None = None
    loe_note: str | None = None
    n: int | None = None
    n_qualifier: str | None = None
    k: int | None = None
    tumor_types: tuple[str, ...] = ()
    population: str | None = None
    liver_only: bool | None = None
    indirect: bool = False  # population mostly not NET liver metastases (e.g. HCC): indirect evidence
    period: tuple[int | None, int | None] | None = None
    not_stated: tuple[str, ...] = ()  # facts the source does not give (n, tumor_types, period)
    url: str | None = None  # page of the document read that holds these figures, when not its main url
    arms: tuple[Arm, ...] = ()
    note: str | None = None
    cohort: str | None = None  # records of the same patients share a cohort id
    includes: tuple[str, ...] = ()  # a review's included studies (study or bibliography ids) that it names
    tumor_mix: tuple[tuple[str, int], ...] = ()  # patients per tumour type or primary site, as printed
    comparisons: tuple[Comparison, ...] = ()
    loc: Loc | None = None

    @property
    def is_synthesis(self) -> bool:
        """A review or pooled analysis: never added to the primary series it draws on."""
        return self.design in ("systematic-review", "meta-analysis", "pooled-trials", "narrative-review", "guideline")

    def arm(self, arm_id: str | None) -> Arm | None:
        return next((a for a in self.arms if a.id == arm_id), None)


@dataclass(frozen=True, slots=True)
class Item:
    """An indication, contraindication or qualitative statement, with its sources."""

    text: str
    sources: tuple[str, ...]
    cites: str | None = None
    kind: str | None = None  # absolute|relative for contraindications
    topic: str | None = None  # for statements
    grade: str | None = None  # a guideline's own grade or level for this position, as printed
    factors: tuple[str, ...] = ()  # patient factors a risk statement is about (factor ids)
    loc: Loc | None = None


@dataclass(frozen=True, slots=True)
class Modality:
    id: str
    name: str
    kind: str  # modality | topic
    summary: str
    description: str = ""
    aliases: tuple[str, ...] = ()
    category: str | None = None
    reviewed: str | None = None
    searched: str | None = None  # when the literature for this modality was last searched
    indications: tuple[Item, ...] = ()
    contraindications: tuple[Item, ...] = ()
    statements: tuple[Item, ...] = ()
    studies: tuple[Study, ...] = ()
    techniques: tuple[Technique, ...] = ()
    criteria: tuple[Criterion, ...] = ()  # selection rules for `nelm match`
    loc: Loc | None = None


@dataclass(frozen=True, slots=True)
class SynonymGroup:
    """Words clinicians use for one thing (`terms`), and what any of them implies (one-way)."""

    terms: tuple[str, ...]
    implies: tuple[str, ...] = ()
    note: str | None = None
    loc: Loc | None = None


@dataclass(frozen=True, slots=True)
class Evidence:
    modalities: dict[str, Modality] = field(default_factory=dict)  # includes topics
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    factors: dict[str, Factor] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    synonyms: tuple[SynonymGroup, ...] = ()  # the search vocabulary (synonyms.yaml)

    @property
    def treatments(self) -> list[Modality]:
        return [m for m in self.modalities.values() if m.kind == "modality"]

    def techniques(self) -> dict[str, Technique]:
        return {t.id: t for m in self.modalities.values() for t in m.techniques}

    def technique(self, tid: str | None) -> Technique | None:
        return self.techniques().get(tid) if tid else None

    def studies(self) -> list[Study]:
        return [s for m in self.modalities.values() for s in m.studies]
