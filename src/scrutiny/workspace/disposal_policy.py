"""Disposal policies for drug possession as data: which out-of-court disposal a written policy recommends.

A policy is a TOML file (``workspace/policies/*.toml``) with an ordered list of rules; the first rule whose
conditions all hold fires, and the last rule must have no conditions, so every case gets an answer that names
the rule behind it. Keeping the rules in data, not code, lets a panel read, compare and edit them, and check
what was done against what the policy said (disposal_equity.py).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from scrutiny.errors import BadInput, ScrutinyError

Intent = Literal["possession", "supply"]
INTENTS: tuple[str, ...] = ("possession", "supply")
ANY = "any"


class Disposal(StrEnum):
    cannabis_warning = "cannabis_warning"
    penalty_notice = "penalty_notice"
    community_resolution = "community_resolution"
    diversion = "diversion"
    caution = "caution"
    youth_referral = "youth_referral"
    arrest_charge = "arrest_charge"
    no_further_action = "no_further_action"
    not_eligible = "not_eligible"


# Earlier events that are not a disposal against the person, so they do not make a later one a repeat.
NOT_COUNTED = frozenset({Disposal.no_further_action, Disposal.not_eligible})

CONDITION_KEYS = ("age_min", "age_max", "drugs", "occasion", "occasion_min", "occasion_max", "prior_includes",
                  "admits", "on_bail", "intent")
POLICY_KEYS = ("name", "title", "source", "summary", "prior_drugs", "rules")
RULE_KEYS = ("id", "text", "when", "disposal")


class PolicyError(BadInput):
    """A policy file that cannot be used, naming the file and the rule at fault."""


@dataclass(frozen=True)
class Conditions:
    age_min: int | None = None
    age_max: int | None = None
    drugs: tuple[str, ...] | None = None  # None: any drug
    occasion: int | None = None
    occasion_min: int | None = None
    occasion_max: int | None = None
    prior_includes: tuple[Disposal, ...] | None = None
    admits: bool | None = None
    on_bail: bool | None = None
    intent: Intent | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in CONDITION_KEYS:
            value = getattr(self, key)
            if value is not None:
                out[key] = [str(v) for v in value] if isinstance(value, tuple) else value
        return out


@dataclass(frozen=True)
class Rule:
    id: str
    text: str
    when: Conditions
    disposal: Disposal


@dataclass(frozen=True)
class Policy:
    name: str
    title: str
    source: str
    rules: tuple[Rule, ...]
    summary: str = ""
    prior_drugs: tuple[str, ...] | None = None  # which earlier disposals count as occasions; None: any drug

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "title": self.title, "source": self.source, "summary": self.summary,
            "prior_drugs": list(self.prior_drugs) if self.prior_drugs is not None else ANY,
            "rules": [{"id": r.id, "text": r.text, "when": r.when.as_dict(), "disposal": r.disposal.value}
                      for r in self.rules],
        }


@dataclass(frozen=True)
class Prior:
    """An earlier drug-possession event of the same person and the disposal it got."""

    date: date
    drug: str
    disposal: Disposal


@dataclass(frozen=True)
class Case:
    """One occasion of drug possession with the person's history; the person id is a pseudonym."""

    person_id: str
    offence_date: date
    drug: str
    age: int
    priors: tuple[Prior, ...] = ()
    admits: bool | None = None
    on_bail: bool | None = None
    intent: Intent = "possession"


@dataclass(frozen=True)
class Decision:
    policy: str
    disposal: Disposal
    rule_id: str
    rule_text: str
    explanation: str
    occasion: int

    def as_dict(self) -> dict[str, Any]:
        return {"policy": self.policy, "disposal": self.disposal.value, "rule_id": self.rule_id,
                "rule_text": self.rule_text, "explanation": self.explanation, "occasion": self.occasion}


# ---- loading and checking --------------------------------------------------------------------------------


def _drug(name: str) -> str:
    return " ".join(name.strip().lower().split())


def _fail(where: str, message: str) -> PolicyError:
    return PolicyError(f"{where}: {message}")


def _int(where: str, key: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _fail(where, f"{key} must be a whole number of 0 or more, not {value!r}")
    return value


def _bool(where: str, key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise _fail(where, f"{key} must be true or false, not {value!r}")
    return value


def _drugs(where: str, key: str, value: object) -> tuple[str, ...] | None:
    if value == ANY:
        return None
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(where, f"{key} must be \"any\" or a list of drug names, not {value!r}")
    return tuple(_drug(v) for v in value)


def _disposal(where: str, value: object) -> Disposal:
    try:
        return Disposal(str(value))
    except ValueError:
        known = ", ".join(d.value for d in Disposal)
        raise _fail(where, f"unknown disposal {value!r} (known: {known})") from None


def _conditions(where: str, raw: object) -> Conditions:
    if raw is None:
        return Conditions()
    if not isinstance(raw, dict):
        raise _fail(where, f"`when` must be a table of conditions, not {raw!r}")
    unknown = sorted(set(raw) - set(CONDITION_KEYS))
    if unknown:
        raise _fail(where, f"unknown condition {unknown[0]!r} (known: {', '.join(CONDITION_KEYS)})")
    values: dict[str, Any] = {}
    for key in ("age_min", "age_max", "occasion", "occasion_min", "occasion_max"):
        if key in raw:
            values[key] = _int(where, key, raw[key])
    for key in ("admits", "on_bail"):
        if key in raw:
            values[key] = _bool(where, key, raw[key])
    if "drugs" in raw:
        values["drugs"] = _drugs(where, "drugs", raw["drugs"])
    if "prior_includes" in raw:
        listed = raw["prior_includes"]
        if not isinstance(listed, list) or not listed:
            raise _fail(where, f"prior_includes must be a list of disposals, not {listed!r}")
        values["prior_includes"] = tuple(_disposal(where, v) for v in listed)
    if "intent" in raw:
        if raw["intent"] not in INTENTS:
            raise _fail(where, f"intent must be one of {', '.join(INTENTS)}, not {raw['intent']!r}")
        values["intent"] = raw["intent"]
    return Conditions(**values)


def _rule(file: str, index: int, raw: object) -> Rule:
    where = f"{file}, rule {index + 1}"
    if not isinstance(raw, dict):
        raise _fail(where, "a rule must be a table ([[rules]])")
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not rule_id.strip():
        raise _fail(where, "rule without an id (every rule needs `id = \"...\"`)")
    where = f"{file}, rule {rule_id!r}"
    unknown = sorted(set(raw) - set(RULE_KEYS))
    if unknown:
        raise _fail(where, f"unknown key {unknown[0]!r} (a rule has: {', '.join(RULE_KEYS)}; conditions go "
                           "under `when`)")
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _fail(where, "rule without its plain-English `text`")
    if "disposal" not in raw:
        raise _fail(where, "rule without a `disposal`")
    return Rule(rule_id, " ".join(text.split()), _conditions(where, raw.get("when")), _disposal(where, raw["disposal"]))


def parse_policy(data: Mapping[str, Any], file: str) -> Policy:
    """A checked policy from parsed TOML; `file` names it in errors."""
    unknown = sorted(set(data) - set(POLICY_KEYS))
    if unknown:
        raise _fail(file, f"unknown key {unknown[0]!r} (a policy has: {', '.join(POLICY_KEYS)})")
    for key in ("name", "title", "source"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise _fail(file, f"missing `{key}`")
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise _fail(file, "no rules (add [[rules]] tables)")
    rules = tuple(_rule(file, i, r) for i, r in enumerate(raw_rules))
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise _fail(file, f"two rules have the id {rule.id!r}")
        seen.add(rule.id)
    if rules[-1].when != Conditions():
        raise _fail(f"{file}, rule {rules[-1].id!r}", "the last rule must have no conditions, so that every case "
                                                      "gets a decision")
    prior_drugs = _drugs(file, "prior_drugs", data.get("prior_drugs", ANY))
    return Policy(data["name"], " ".join(data["title"].split()), " ".join(data["source"].split()), rules,
                  " ".join(str(data.get("summary", "")).split()), prior_drugs)


def load_policy_file(path: Path) -> Policy:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PolicyError(f"{path}: no such policy file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path.name}: not valid TOML: {exc}") from None
    policy = parse_policy(data, path.name)
    if policy.name != path.stem:
        raise PolicyError(f"{path.name}: name {policy.name!r} differs from the file name {path.stem!r}")
    return policy


def _builtin() -> dict[str, str]:
    """Built-in policy name -> TOML text, from the package's data files."""
    folder = resources.files("scrutiny.workspace.policies")
    return {entry.name.removesuffix(".toml"): entry.read_text(encoding="utf-8")
            for entry in folder.iterdir() if entry.name.endswith(".toml")}


def list_policies() -> list[str]:
    return sorted(_builtin())


def load_policy(name: str) -> Policy:
    """A built-in policy by name, or a policy file by path (anything ending in .toml)."""
    if name.endswith(".toml"):
        return load_policy_file(Path(name))
    texts = _builtin()
    if name not in texts:
        raise PolicyError(f"unknown policy {name!r}; the policies are: {', '.join(sorted(texts))} (or give the "
                          "path of a .toml file)")
    try:
        data = tomllib.loads(texts[name])
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{name}.toml: not valid TOML: {exc}") from None
    policy = parse_policy(data, f"{name}.toml")
    if policy.name != name:
        raise PolicyError(f"{name}.toml: name {policy.name!r} differs from the file name {name!r}")
    return policy


def load_policies(names: Iterable[str] | None = None) -> list[Policy]:
    return [load_policy(n) for n in (names if names is not None else list_policies())]


# ---- evaluating --------------------------------------------------------------------------------------------


def counted_priors(policy: Policy, case: Case) -> list[Prior]:
    """The earlier disposals that make this case a repeat under the policy: dated before the offence, a real
    disposal (not NFA), and of a drug the policy counts."""
    return [
        p for p in case.priors
        if p.date < case.offence_date and p.disposal not in NOT_COUNTED
        and (policy.prior_drugs is None or _drug(p.drug) in policy.prior_drugs)
    ]


def occasion(policy: Policy, case: Case) -> int:
    return len(counted_priors(policy, case)) + 1


def _yes_no(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def _checks(when: Conditions, case: Case, occ: int, priors: Sequence[Prior]) -> list[tuple[bool, str]]:
    """Each condition of a rule as (holds, why), in plain words. An unknown fact never satisfies a condition."""
    checks: list[tuple[bool, str]] = []
    if when.age_min is not None:
        checks.append((case.age >= when.age_min, f"age {case.age} {'≥' if case.age >= when.age_min else '<'} "
                                                 f"{when.age_min}"))
    if when.age_max is not None:
        checks.append((case.age <= when.age_max, f"age {case.age} {'≤' if case.age <= when.age_max else '>'} "
                                                 f"{when.age_max}"))
    if when.drugs is not None:
        inside = _drug(case.drug) in when.drugs
        checks.append((inside, f"{case.drug} is {'' if inside else 'not '}one of {', '.join(when.drugs)}"))
    if when.occasion is not None:
        checks.append((occ == when.occasion, f"occasion {occ} {'=' if occ == when.occasion else '≠'} "
                                             f"{when.occasion}"))
    if when.occasion_min is not None:
        checks.append((occ >= when.occasion_min, f"occasion {occ} {'≥' if occ >= when.occasion_min else '<'} "
                                                 f"{when.occasion_min}"))
    if when.occasion_max is not None:
        checks.append((occ <= when.occasion_max, f"occasion {occ} {'≤' if occ <= when.occasion_max else '>'} "
                                                 f"{when.occasion_max}"))
    if when.prior_includes is not None:
        wanted = set(when.prior_includes)
        had = any(p.disposal in wanted for p in priors)
        names = " or ".join(d.value for d in when.prior_includes)
        checks.append((had, f"{'had' if had else 'no'} earlier {names}"))
    if when.admits is not None:
        checks.append((case.admits is when.admits, f"admits: {_yes_no(case.admits)} "
                                                   f"(needs {_yes_no(when.admits)})"))
    if when.on_bail is not None:
        checks.append((case.on_bail is when.on_bail, f"on bail: {_yes_no(case.on_bail)} "
                                                     f"(needs {_yes_no(when.on_bail)})"))
    if when.intent is not None:
        checks.append((case.intent == when.intent, f"intent {case.intent}"
                                                   f"{'' if case.intent == when.intent else ', not ' + when.intent}"))
    return checks


def _history(priors: Sequence[Prior]) -> str:
    if not priors:
        return "no earlier disposal counted"
    listed = "; ".join(f"{p.date.isoformat()} {p.drug} {p.disposal.value}" for p in priors)
    return f"{len(priors)} earlier disposal{'s' if len(priors) > 1 else ''} counted ({listed})"


def evaluate(policy: Policy, case: Case) -> Decision:
    """The disposal the first matching rule recommends, with the facts that made it match."""
    priors = counted_priors(policy, case)
    occ = len(priors) + 1
    missed: list[str] = []  # for each earlier rule, the first condition that did not hold
    for rule in policy.rules:
        checks = _checks(rule.when, case, occ, priors)
        if all(ok for ok, _ in checks):
            met = "; ".join(why for _, why in checks)
            reasons = met if checks else f"no earlier rule applied ({'; '.join(missed)})"
            explanation = f"Occasion {occ}: {_history(priors)}. Rule {rule.id!r} applies: {reasons}."
            return Decision(policy.name, rule.disposal, rule.id, rule.text, explanation, occ)
        missed.append(f"{rule.id}: {next(why for ok, why in checks if not ok)}")
    raise AssertionError("unreachable: the last rule has no conditions")  # parse_policy guarantees it


def compare(policies: Iterable[Policy], case: Case) -> list[Decision]:
    """One decision per policy for the same case, in the order given."""
    return [evaluate(p, case) for p in policies]


def parse_prior(text: str) -> Prior:
    """`2024-01-03:cannabis:cannabis_warning` as a Prior (the CLI's and the page's shorthand)."""
    parts = text.split(":")
    if len(parts) != 3:
        raise BadInput(f"bad prior {text!r}: expected DATE:DRUG:DISPOSAL, e.g. "
                            "2024-01-03:cannabis:cannabis_warning")
    when, drug, disposal = (p.strip() for p in parts)
    try:
        day = date.fromisoformat(when)
    except ValueError:
        raise BadInput(f"bad prior {text!r}: {when!r} is not a date (YYYY-MM-DD)") from None
    if not drug:
        raise BadInput(f"bad prior {text!r}: no drug")
    try:
        kind = Disposal(disposal)
    except ValueError:
        known = ", ".join(d.value for d in Disposal)
        raise BadInput(f"bad prior {text!r}: unknown disposal {disposal!r} (known: {known})") from None
    return Prior(day, drug, kind)


@dataclass
class CaseBuilder:
    """Checks a case's fields from text (CLI options, a form, a CSV row) into a Case, naming the bad field."""

    errors: dict[str, str] = field(default_factory=dict)

    def build(self, person_id: str, offence_date: str, drug: str, age: str | int, priors: Sequence[str] = (),
              admits: bool | None = None, on_bail: bool | None = None, intent: str = "possession") -> Case | None:
        day = None
        try:
            day = date.fromisoformat(offence_date.strip())
        except ValueError:
            self.errors["date"] = f"{offence_date!r} is not a date (YYYY-MM-DD)"
        years = None
        try:
            years = int(str(age).strip())
            if not 0 <= years <= 120:
                raise ValueError
        except ValueError:
            self.errors["age"] = f"{age!r} is not an age in years (0 to 120)"
        if not drug.strip():
            self.errors["drug"] = "say which drug (e.g. cannabis)"
        if intent not in INTENTS:
            self.errors["intent"] = f"intent must be one of {', '.join(INTENTS)}, not {intent!r}"
        parsed: list[Prior] = []
        for text in priors:
            try:
                parsed.append(parse_prior(text))
            except ScrutinyError as exc:
                self.errors["prior"] = str(exc)
        if self.errors or day is None or years is None:
            return None
        return Case(person_id.strip() or "case", day, drug.strip(), years, tuple(parsed), admits, on_bail,
                    intent)  # type: ignore[arg-type]
