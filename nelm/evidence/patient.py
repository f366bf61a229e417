"""A patient profile for `nelm match`: the documented fields, how each is read (from a YAML file or
a flag), and the comparisons a selection criterion may make on them.

The fields, units and plausible ranges are the profile's format, like a file format; every clinical
threshold lives in the evidence (`criteria:` in each modality file, `when:` on patient factors).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Union

from nelm.errors import UsageError

YES_NO = ("yes", "no")


@dataclass(frozen=True, slots=True)
class PatientField:
    name: str
    kind: str  # yes-no | choice | number | integer
    meaning: str
    unit: str = ""
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def accepted(self) -> str:
        """The accepted values, for help text and error messages."""
        if self.kind == "yes-no":
            return "yes or no" + (" or unknown" if "unknown" in self.choices else "")
        if self.kind == "choice":
            return ", ".join(self.choices)
        what = "a whole number" if self.kind == "integer" else "a number"
        unit = f" ({self.unit})" if self.unit else ""
        return f"{what} from {self.low:g} to {self.high:g}{unit}"


FIELDS: tuple[PatientField, ...] = (
    PatientField("resectable", "yes-no", "all liver disease judged removable by surgery", choices=(*YES_NO, "unknown")),
    PatientField("burden_pct", "number", "share of the liver volume replaced by tumour", "%", low=0, high=100),
    PatientField("lesions", "integer", "number of liver metastases", low=0, high=1000),
    PatientField("largest_cm", "number", "diameter of the largest liver metastasis", "cm", low=0, high=40),
    PatientField("bilobar", "yes-no", "metastases in both liver lobes"),
    PatientField("extrahepatic", "yes-no", "metastases outside the liver"),
    PatientField(
        "primary_site",
        "choice",
        "site of the primary tumour",
        choices=("small-bowel", "pancreas", "lung", "stomach", "colorectal", "unknown", "other"),
    ),
    PatientField("primary_resected", "yes-no", "the primary tumour has been removed"),
    PatientField("grade", "choice", "WHO grade of the tumour", choices=("G1", "G2", "G3")),
    PatientField("ki67", "number", "Ki-67 proliferation index", "%", low=0, high=100),
    PatientField(
        "functional_syndrome",
        "choice",
        "hormonal syndrome",
        choices=("none", "carcinoid", "insulinoma", "gastrinoma", "vipoma", "glucagonoma", "other"),
    ),
    PatientField("bilioenteric_anastomosis", "yes-no", "a bile duct joined to the bowel (e.g. Whipple operation)"),
    PatientField("biliary_stent", "yes-no", "a biliary stent or a previous sphincterotomy"),
    PatientField("portal_vein_thrombosis", "yes-no", "thrombus in the portal vein"),
    PatientField("bilirubin_mg_dl", "number", "serum total bilirubin", "mg/dl", low=0, high=50),
    PatientField("albumin_g_dl", "number", "serum albumin", "g/dl", low=0, high=10),
    PatientField("child_pugh", "choice", "Child-Pugh class", choices=("A", "B", "C")),
    PatientField("ecog", "integer", "ECOG performance status", low=0, high=4),
    PatientField("lung_shunt_pct", "number", "lung shunt fraction on the planning scan", "%", low=0, high=100),
    PatientField("prior_prrt", "yes-no", "previous peptide receptor radionuclide therapy"),
    PatientField("age", "number", "age", "years", low=0, high=120),
    PatientField("stable_months", "number", "months of stable disease before the decision", "months", low=0, high=600),
)
BY_NAME = {f.name: f for f in FIELDS}

Answer = Union[str, float, int]
Profile = dict[str, Answer]  # field name -> value; a field that is absent or 'unknown' is not known

# The comparisons a criterion may make, by field kind. `present`/`absent` mean yes/no.
OPS: dict[str, tuple[str, ...]] = {
    "number": ("<", "<=", ">", ">=", "=="),
    "integer": ("<", "<=", ">", ">=", "=="),
    "choice": ("==", "in"),
    "yes-no": ("present", "absent"),
}
ALL_OPS = tuple(dict.fromkeys(op for ops in OPS.values() for op in ops))  # <, <=, >, >=, ==, in, present, absent


class ProfileError(UsageError):
    """An invalid profile: a usage error (exit 2) naming the field and the accepted values."""


def parse_value(name: str, raw: Any, where: str = "") -> Answer | None:
    """One field's value from YAML (str, number, bool) or a flag (str). None means not known.
    `where` names it in errors: the flag, or 'FILE:LINE: field'."""
    f = BY_NAME.get(name)
    if f is None:
        from nelm.errors import closest

        near = closest(name, BY_NAME)
        raise ProfileError(
            f"{where + ': ' if where else ''}unknown profile field '{name}'",
            f"did you mean '{near}'?" if near else "see nelm match --help",
        )
    where = where or name
    from nelm.evidence.yamlsafe import Invalid  # not at import: the flags are built at every start-up

    if isinstance(raw, Invalid):
        raw = raw.text
    bad = f"{where}: {raw!r} is not accepted; accepted: {f.accepted()}"
    if raw is None or (isinstance(raw, str) and raw.strip().lower() == "unknown" and "unknown" not in f.choices):
        return None
    if f.kind in ("yes-no", "choice"):
        if isinstance(raw, bool) and f.kind == "yes-no":
            return "yes" if raw else "no"
        if not isinstance(raw, str):
            raise ProfileError(bad)
        text = raw.strip()
        match = next((c for c in f.choices or YES_NO if c.lower() == text.lower()), None)
        if match is None:
            raise ProfileError(bad)
        return None if match == "unknown" and f.kind == "yes-no" else match
    if isinstance(raw, bool):
        raise ProfileError(bad)
    if isinstance(raw, str):
        try:
            number: float = int(raw) if raw.strip().lstrip("+-").isdigit() else float(raw)
        except ValueError:
            raise ProfileError(bad) from None
    elif isinstance(raw, (int, float)):
        number = raw
    else:
        raise ProfileError(bad)
    if isinstance(number, float) and (not math.isfinite(number)):
        raise ProfileError(bad)
    if f.kind == "integer":
        if isinstance(number, float) and not number.is_integer():
            raise ProfileError(bad)
        number = int(number)
    assert f.low is not None and f.high is not None
    if not f.low <= number <= f.high:
        raise ProfileError(f"{where}: {number:g} is out of range; accepted: {f.accepted()}")
    return number


def read_profile(path: str) -> Profile:
    """A profile from a YAML mapping of field names to values; errors name the file and line."""
    from nelm.evidence import yamlsafe

    try:
        doc = yamlsafe.read(path)
    except OSError as e:
        raise ProfileError(f"{path}: cannot read the profile ({e.strerror or e})") from None
    except yamlsafe.YamlProblem as e:
        raise ProfileError(f"{path}:{e.line}: {e.message}" if e.line else f"{path}: {e.message}") from None
    if doc is None:
        return {}
    if not isinstance(doc, yamlsafe.Map):
        raise ProfileError(f"{path}: a profile is a mapping of field: value (see nelm match --help)")
    profile: Profile = {}
    for key, raw in doc.items():
        if isinstance(raw, (yamlsafe.Map, yamlsafe.Seq)):
            raise ProfileError(f"{path}:{doc.lines[key]}: {key}: expected one value, got a list or mapping")
        at = f"{path}:{doc.lines[key]}"
        value = parse_value(str(key), raw, f"{at}: {key}" if str(key) in BY_NAME else at)
        if value is not None:
            profile[str(key)] = value
    return profile


def merge(base: Profile, flags: dict[str, Any]) -> Profile:
    """The file's profile with the flags given on the command line taking precedence."""
    out = dict(base)
    for name, raw in flags.items():
        if raw is None:
            continue
        value = parse_value(name, raw, BY_NAME[name].flag)
        if value is None:
            out.pop(name, None)  # 'unknown' on the command line clears the file's value
        else:
            out[name] = value
    return {f.name: out[f.name] for f in FIELDS if f.name in out}


@dataclass(frozen=True, slots=True)
class Condition:
    """A comparison of one profile field with a threshold: `burden_pct > 75`."""

    field: str
    op: str
    value: Any = None  # a number, a choice, or a tuple of choices for `in`; None for present/absent

    def holds(self, profile: Profile) -> bool | None:
        """True or False, or None when the profile does not give the field."""
        have = profile.get(self.field)
        if have is None:
            return None
        op, want = self.op, self.value
        if op == "present":
            return have == "yes"
        if op == "absent":
            return have == "no"
        if op == "in":
            return have in want
        if op == "==":
            return bool(have == want)
        assert isinstance(have, (int, float))
        return {"<": have < want, "<=": have <= want, ">": have > want, ">=": have >= want}[op]

    def text(self) -> str:
        f = BY_NAME.get(self.field)
        unit = f.unit if f and f.unit and f.unit != "count" and f.kind != "integer" else ""
        if self.op == "present":
            return f"{self.field}: yes"
        if self.op == "absent":
            return f"{self.field}: no"
        if self.op == "in":
            return f"{self.field} in {', '.join(self.value)}"
        value = f"{self.value:g}" if isinstance(self.value, (int, float)) else str(self.value)
        return f"{self.field} {self.op} {value}{' ' + unit if unit and unit != '%' else unit}"
