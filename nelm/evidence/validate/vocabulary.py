"""The closed vocabularies and patterns of the evidence format."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


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
