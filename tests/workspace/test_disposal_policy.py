"""Disposal policies: every rule of every built-in policy fires where it should (table-driven), policy files
are checked on load, and `scrutiny disposal` gives exact output on a small CSV of disposal records.

No database is involved (policies are files, evaluation is pure), so these tests do not take `ws`.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from scrutiny.cli import disposal as disposal_cli
from scrutiny.errors import ScrutinyError, SourceRefused
from scrutiny.workspace.disposal_equity import check, compliance, disposal_mix, read_records, read_records_bytes
from scrutiny.workspace.disposal_policy import (
    Case,
    Disposal,
    PolicyError,
    Prior,
    compare,
    evaluate,
    list_policies,
    load_policy,
    parse_prior,
)

DATA = Path(__file__).resolve().parent / "data"
CASES = DATA / "disposal_cases.csv"
OFFENCE = date(2024, 6, 1)
POLICIES = ("avon_somerset", "durham_checkpoint", "london_proposed", "national_cannabis")


def prior(text: str) -> Prior:
    return parse_prior(text)


CW = prior("2024-01-03:cannabis:cannabis_warning")
PN = prior("2024-03-03:cannabis:penalty_notice")
CR_COCAINE = prior("2024-02-01:cocaine:community_resolution")
NFA = prior("2024-02-01:cannabis:no_further_action")
LATER = prior("2024-07-01:cannabis:cannabis_warning")  # after the offence: not history
SAME_DAY = prior("2024-06-01:cannabis:cannabis_warning")  # the same day: not earlier
DIVERTED = prior("2023-05-05:cannabis:diversion")


def case(drug: str = "cannabis", age: int = 25, priors: tuple[Prior, ...] = (), admits: bool | None = None,
         on_bail: bool | None = None, intent: str = "possession") -> Case:
    return Case("person-1", OFFENCE, drug, age, priors, admits, on_bail, intent)  # type: ignore[arg-type]


# (policy, case, disposal, rule id, occasion)
TABLE = [
    # National cannabis escalation.
    ("national_cannabis", case(intent="supply"), "not_eligible", "supply-out-of-scope", 1),
    ("national_cannabis", case(age=16, intent="supply"), "not_eligible", "supply-out-of-scope", 1),
    ("national_cannabis", case(age=16), "youth_referral", "under-18-youth-route", 1),
    ("national_cannabis", case(age=17, priors=(CW, PN)), "youth_referral", "under-18-youth-route", 3),
    ("national_cannabis", case(age=18), "cannabis_warning", "first-occasion-warning", 1),
    ("national_cannabis", case(drug=" Cannabis "), "cannabis_warning", "first-occasion-warning", 1),
    ("national_cannabis", case(priors=(CR_COCAINE,)), "cannabis_warning", "first-occasion-warning", 1),
    ("national_cannabis", case(priors=(NFA,)), "cannabis_warning", "first-occasion-warning", 1),
    ("national_cannabis", case(priors=(LATER, SAME_DAY)), "cannabis_warning", "first-occasion-warning", 1),
    ("national_cannabis", case(priors=(CW,)), "penalty_notice", "second-occasion-penalty-notice", 2),
    ("national_cannabis", case(priors=(CW, PN)), "arrest_charge", "third-occasion-arrest", 3),
    ("national_cannabis", case(priors=(CW, PN, DIVERTED)), "arrest_charge", "third-occasion-arrest", 4),
    ("national_cannabis", case(drug="cocaine"), "not_eligible", "other-drug-out-of-scope", 1),
    ("national_cannabis", case(drug="cocaine", age=16), "not_eligible", "other-drug-out-of-scope", 1),
    # Proposed London scheme: every drug, every earlier drug disposal counts.
    ("london_proposed", case(intent="supply"), "not_eligible", "supply-out-of-scope", 1),
    ("london_proposed", case(drug="cocaine", age=15), "youth_referral", "under-18-youth-route", 1),
    ("london_proposed", case(age=17, priors=(CW, PN)), "youth_referral", "under-18-youth-route", 3),
    ("london_proposed", case(), "cannabis_warning", "first-occasion-warning", 1),
    ("london_proposed", case(drug="khat"), "cannabis_warning", "first-occasion-warning", 1),
    ("london_proposed", case(priors=(CR_COCAINE,)), "penalty_notice", "second-occasion-penalty-notice", 2),
    ("london_proposed", case(drug="cocaine"), "community_resolution", "other-drug-early-occasion", 1),
    ("london_proposed", case(drug="cocaine", priors=(CW,)), "community_resolution", "other-drug-early-occasion", 2),
    ("london_proposed", case(priors=(CW, PN)), "diversion", "third-occasion-diversion", 3),
    ("london_proposed", case(drug="cocaine", priors=(CW, CR_COCAINE)), "diversion", "third-occasion-diversion", 3),
    ("london_proposed", case(drug="heroin", priors=(CW, PN, CR_COCAINE, DIVERTED)), "diversion",
     "third-occasion-diversion", 5),
    # Durham Checkpoint: adult, admits, not on bail, possession.
    ("durham_checkpoint", case(age=16, admits=True, on_bail=False), "not_eligible", "under-18", 1),
    ("durham_checkpoint", case(admits=True, on_bail=False, intent="supply"), "not_eligible", "not-possession", 1),
    ("durham_checkpoint", case(admits=True, on_bail=True), "not_eligible", "on-bail", 1),
    ("durham_checkpoint", case(admits=False, on_bail=False), "not_eligible", "denies", 1),
    ("durham_checkpoint", case(age=18, admits=True, on_bail=False), "diversion", "checkpoint", 1),
    ("durham_checkpoint", case(drug="cocaine", admits=True, on_bail=False, priors=(CW, PN)), "diversion",
     "checkpoint", 3),
    ("durham_checkpoint", case(admits=True), "not_eligible", "eligibility-unknown", 1),
    ("durham_checkpoint", case(on_bail=False), "not_eligible", "eligibility-unknown", 1),
    # Avon and Somerset Drug Education Programme: once, adults, possession.
    ("avon_somerset", case(intent="supply"), "not_eligible", "supply-out-of-scope", 1),
    ("avon_somerset", case(age=17), "not_eligible", "under-18", 1),
    ("avon_somerset", case(age=18), "diversion", "first-occasion-programme", 1),
    ("avon_somerset", case(drug="MDMA", priors=(NFA,)), "diversion", "first-occasion-programme", 1),
    ("avon_somerset", case(priors=(DIVERTED,)), "not_eligible", "second-occasion-normal-route", 2),
    ("avon_somerset", case(drug="cocaine", priors=(CW,)), "not_eligible", "second-occasion-normal-route", 2),
]


@pytest.mark.parametrize(("policy", "the_case", "disposal", "rule_id", "occasion"), TABLE,
                         ids=[f"{t[0]}-{t[3]}-{i}" for i, t in enumerate(TABLE)])
def test_every_rule(policy: str, the_case: Case, disposal: str, rule_id: str, occasion: int) -> None:
    decision = evaluate(load_policy(policy), the_case)
    assert (decision.disposal.value, decision.rule_id, decision.occasion) == (disposal, rule_id, occasion)
    rule = next(r for r in load_policy(policy).rules if r.id == rule_id)
    assert decision.rule_text == rule.text and decision.policy == policy
    assert decision.explanation.startswith(f"Occasion {occasion}: ")


def test_the_table_covers_every_rule_of_every_policy() -> None:
    assert tuple(list_policies()) == POLICIES
    every = {(name, r.id) for name in POLICIES for r in load_policy(name).rules}
    assert {(t[0], t[3]) for t in TABLE} == every


def test_policies_say_where_their_rules_come_from() -> None:
    for name in POLICIES:
        policy = load_policy(name)
        assert policy.name == name and policy.title
        assert "as summarised by campaigners' evidence to the London Assembly" in policy.source
        assert "http" not in policy.source


def test_explanation_names_the_history_and_why_earlier_rules_did_not_apply() -> None:
    decision = evaluate(load_policy("national_cannabis"), case(priors=(CW, LATER)))
    assert decision.explanation == (
        "Occasion 2: 1 earlier disposal counted (2024-01-03 cannabis cannabis_warning). "
        "Rule 'second-occasion-penalty-notice' applies: cannabis is one of cannabis; occasion 2 = 2."
    )
    fallback = evaluate(load_policy("durham_checkpoint"), case(admits=True))
    assert fallback.explanation == (
        "Occasion 1: no earlier disposal counted. Rule 'eligibility-unknown' applies: no earlier rule applied "
        "(under-18: age 25 > 17; not-possession: intent possession, not supply; on-bail: on bail: unknown "
        "(needs yes); denies: admits: yes (needs no); checkpoint: on bail: unknown (needs no))."
    )


def test_compare_gives_one_decision_per_policy_in_order() -> None:
    policies = [load_policy(n) for n in ("national_cannabis", "london_proposed", "durham_checkpoint",
                                         "avon_somerset")]
    decisions = compare(policies, case(priors=(CW, PN), admits=True, on_bail=False))
    assert [(d.policy, d.disposal) for d in decisions] == [
        ("national_cannabis", Disposal.arrest_charge), ("london_proposed", Disposal.diversion),
        ("durham_checkpoint", Disposal.diversion), ("avon_somerset", Disposal.not_eligible),
    ]


# ---- policy files are checked on load ----------------------------------------------------------------------

GOOD_RULES = """
[[rules]]
id = "r1"
text = "Adults get a warning."
disposal = "cannabis_warning"
when = { age_min = 18 }

[[rules]]
id = "rest"
text = "Everyone else."
disposal = "not_eligible"
"""
HEAD = 'name = "bad"\ntitle = "A test policy"\nsource = "A test."\n'


@pytest.mark.parametrize(("text", "message"), [
    (HEAD + GOOD_RULES.replace("age_min", "agee"),
     "bad.toml, rule 'r1': unknown condition 'agee' (known: age_min, age_max, drugs, occasion"),
    (HEAD + GOOD_RULES.replace('"cannabis_warning"', '"fine"'),
     "bad.toml, rule 'r1': unknown disposal 'fine' (known: cannabis_warning, penalty_notice"),
    (HEAD + GOOD_RULES.replace('id = "r1"\n', ""), "bad.toml, rule 1: rule without an id"),
    (HEAD + GOOD_RULES.replace('id = "rest"', 'id = "r1"'), "bad.toml: two rules have the id 'r1'"),
    (HEAD + GOOD_RULES.replace('text = "Adults get a warning."\n', ""),
     "bad.toml, rule 'r1': rule without its plain-English `text`"),
    (HEAD + GOOD_RULES.replace('disposal = "not_eligible"', 'disposal = "not_eligible"\nwhen = { admits = true }'),
     "bad.toml, rule 'rest': the last rule must have no conditions"),
    (HEAD + GOOD_RULES.replace("age_min = 18", 'age_min = "18"'),
     "bad.toml, rule 'r1': age_min must be a whole number of 0 or more, not '18'"),
    (HEAD + GOOD_RULES.replace("age_min = 18", 'intent = "dealing"'),
     "bad.toml, rule 'r1': intent must be one of possession, supply, not 'dealing'"),
    (HEAD + GOOD_RULES.replace("age_min = 18", "drugs = []"),
     "bad.toml, rule 'r1': drugs must be \"any\" or a list of drug names, not []"),
    (HEAD + GOOD_RULES.replace("age_min = 18", 'admits = "yes"'),
     "bad.toml, rule 'r1': admits must be true or false, not 'yes'"),
    (HEAD + GOOD_RULES.replace("age_min = 18", 'prior_includes = ["warning"]'),
     "bad.toml, rule 'r1': unknown disposal 'warning'"),
    (HEAD + GOOD_RULES.replace('disposal = "cannabis_warning"', 'disposal = "cannabis_warning"\nage_min = 18'),
     "bad.toml, rule 'r1': unknown key 'age_min' (a rule has: id, text, when, disposal; conditions go under `when`)"),
    (HEAD + "colour = 'red'\n" + GOOD_RULES, "bad.toml: unknown key 'colour'"),
    (HEAD.replace('source = "A test."\n', "") + GOOD_RULES, "bad.toml: missing `source`"),
    (HEAD, "bad.toml: no rules (add [[rules]] tables)"),
    (HEAD.replace('"bad"', '"other"') + GOOD_RULES, "bad.toml: name 'other' differs from the file name 'bad'"),
    (HEAD + "rules = [", "bad.toml: not valid TOML"),
])
def test_policy_file_errors_name_the_file_and_rule(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(PolicyError) as caught:
        load_policy(str(path))
    assert str(caught.value).startswith(message), str(caught.value)


def test_a_good_policy_file_loads_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(HEAD + GOOD_RULES)
    policy = load_policy(str(path))
    assert [r.id for r in policy.rules] == ["r1", "rest"]
    assert evaluate(policy, case(age=30)).disposal is Disposal.cannabis_warning
    assert evaluate(policy, case(age=17)).rule_id == "rest"


def test_unknown_policy_lists_the_known_ones() -> None:
    with pytest.raises(PolicyError, match="unknown policy 'nope'; the policies are: avon_somerset, "
                                          "durham_checkpoint, london_proposed, national_cannabis"):
        load_policy("nope")
    with pytest.raises(ScrutinyError, match="unknown disposal 'fine'"):
        parse_prior("2024-01-01:cannabis:fine")


# ---- records: disposal mix and compliance ------------------------------------------------------------------


def test_compliance_and_mix_by_group_hand_counted() -> None:
    records = read_records(CASES)
    checked = check(load_policy("national_cannabis"), records)
    assert [(c.record.line, c.decision.disposal.value, c.differs) for c in checked] == [
        (2, "cannabis_warning", False), (3, "penalty_notice", True), (4, "cannabis_warning", False),
        (5, "penalty_notice", False), (6, "youth_referral", False), (7, "not_eligible", None),
        (8, "cannabis_warning", True), (9, "cannabis_warning", False), (10, "cannabis_warning", True),
    ]
    rows = {r["group"]: r for r in compliance(checked)}
    assert list(rows) == ["Black", "White", "unknown", "all"]
    assert [(r["records"], r["covered"], r["differs"]["count"], r["charged_not_recommended"]["count"])
            for r in rows.values()] == [(4, 3, 1, 1), (4, 4, 1, 0), (1, 1, 1, 0), (9, 8, 3, 1)]
    black = rows["Black"]["differs"]
    assert black["share"] == pytest.approx(1 / 3)
    assert (black["ci_low"], black["ci_high"]) == (pytest.approx(0.06149, abs=1e-5), pytest.approx(0.79235, abs=1e-5))
    mix = {r["group"]: r for r in disposal_mix(records)}
    assert mix["Black"]["records"] == 4
    assert {d: v["count"] for d, v in mix["Black"]["disposals"].items() if v["count"]} == {
        "cannabis_warning": 1, "arrest_charge": 2, "youth_referral": 1}
    assert mix["Black"]["disposals"]["arrest_charge"]["share"] == 0.5
    assert {d: v["count"] for d, v in mix["White"]["disposals"].items() if v["count"]} == {
        "cannabis_warning": 2, "penalty_notice": 1, "no_further_action": 1}
    assert mix["all"]["records"] == 9


def test_bad_records_refuse_the_file_naming_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text("person_id,date,drug,age,actual_disposal\np1,2024-01-01,cannabis,19,warning\n")
    with pytest.raises(SourceRefused, match=r"cases.csv line 2: actual_disposal 'warning' is not one of"):
        read_records(path)
    path.write_text("person_id,date,drug,age\np1,2024-01-01,cannabis,19\n")
    with pytest.raises(SourceRefused, match="no column 'actual_disposal'"):
        read_records(path)
    path.write_text("person_id,date,drug,age,actual_disposal,ethnic_group\np1,2024-01-01,cannabis,19,caution,Irish\n")
    with pytest.raises(SourceRefused, match="line 2: ethnic_group 'Irish' is not one of"):
        read_records(path)


# ---- the command -------------------------------------------------------------------------------------------


def run(*args: str | Path, code: int = 0) -> str:
    app = typer.Typer()
    disposal_cli.register(app)

    @app.callback()
    def main() -> None:  # a group, so the command is invoked by its name as under `scrutiny`
        """Test app."""

    result = CliRunner().invoke(app, ["disposal", *map(str, args)])
    assert result.exit_code == code, result.output
    return result.output


CASES_TABLE = """\
line  person_id  date        drug      age  ethnic_group  actual_disposal    policy             recommended       rule_id                         differs
2     p1         2024-01-10  cannabis  19   Black         cannabis_warning   national_cannabis  cannabis_warning  first-occasion-warning          no
3     p1         2024-03-05  cannabis  19   Black         arrest_charge      national_cannabis  penalty_notice    second-occasion-penalty-notice  yes
4     p2         2024-01-12  cannabis  22   White         cannabis_warning   national_cannabis  cannabis_warning  first-occasion-warning          no
5     p2         2024-04-01  cannabis  22   White         penalty_notice     national_cannabis  penalty_notice    second-occasion-penalty-notice  no
6     p3         2024-02-01  cannabis  16   Black         youth_referral     national_cannabis  youth_referral    under-18-youth-route            no
7     p4         2024-02-03  cocaine   30   Black         arrest_charge      national_cannabis  not_eligible      other-drug-out-of-scope         n/a
8     p5         2024-02-10  cannabis  40   White         no_further_action  national_cannabis  cannabis_warning  first-occasion-warning          yes
9     p5         2024-05-10  cannabis  40   White         cannabis_warning   national_cannabis  cannabis_warning  first-occasion-warning          no
10    p6         2024-03-01  cannabis  25   unknown       penalty_notice     national_cannabis  cannabis_warning  first-occasion-warning          yes

national_cannabis: actual disposal differs from the recommendation
group    records  covered  differ  share   95% interval  charged, not recommended
Black    4        3        1       33.3%   6.1%–79.2%    1
White    4        4        1       25.0%   4.6%–69.9%    0
unknown  1        1        1       100.0%  20.7%–100.0%  0
all      9        8        3       37.5%   13.7%–69.4%   1
"""  # noqa: E501  (the exact table, as wide as the command prints it)


def test_cli_cases_table_exact() -> None:
    out = run("--policy", "national_cannabis", "--cases", CASES)
    assert out == CASES_TABLE
    assert "Jane" not in out and "name" not in out.split("\n")[0]


def test_cli_cases_csv_exact() -> None:
    out = run("--policy", "avon_somerset", "--cases", CASES, "--format", "csv")
    assert out == (
        "line,person_id,date,drug,age,ethnic_group,actual_disposal,policy,recommended,rule_id,differs\n"
        "2,p1,2024-01-10,cannabis,19,Black,cannabis_warning,avon_somerset,diversion,first-occasion-programme,yes\n"
        "3,p1,2024-03-05,cannabis,19,Black,arrest_charge,avon_somerset,not_eligible,second-occasion-normal-route,n/a\n"
        "4,p2,2024-01-12,cannabis,22,White,cannabis_warning,avon_somerset,diversion,first-occasion-programme,yes\n"
        "5,p2,2024-04-01,cannabis,22,White,penalty_notice,avon_somerset,not_eligible,second-occasion-normal-route,n/a\n"
        "6,p3,2024-02-01,cannabis,16,Black,youth_referral,avon_somerset,not_eligible,under-18,n/a\n"
        "7,p4,2024-02-03,cocaine,30,Black,arrest_charge,avon_somerset,diversion,first-occasion-programme,yes\n"
        "8,p5,2024-02-10,cannabis,40,White,no_further_action,avon_somerset,diversion,first-occasion-programme,yes\n"
        "9,p5,2024-05-10,cannabis,40,White,cannabis_warning,avon_somerset,diversion,first-occasion-programme,yes\n"
        "10,p6,2024-03-01,cannabis,25,unknown,penalty_notice,avon_somerset,diversion,first-occasion-programme,yes\n"
    )


def test_cli_cases_json_has_no_personal_columns() -> None:
    doc = json.loads(run("--compare", "--cases", CASES, "--format", "json"))
    assert doc["policies"] == list(POLICIES)
    assert len(doc["rows"]) == 4 * 9
    assert {k for row in doc["rows"] for k in row} == set(disposal_cli.CASE_COLUMNS)
    text = json.dumps(doc)
    for forbidden in ("Jane", "Example", '"name"', "birth", "address"):
        assert forbidden not in text


def test_cli_one_case_and_compare() -> None:
    out = run("--policy", "national_cannabis", "--person", "p9", "--date", "2024-03-01", "--drug", "cannabis",
              "--age", "19", "--prior", "2024-01-03:cannabis:cannabis_warning", "--admits")
    assert out == (
        "national_cannabis: penalty_notice (rule second-occasion-penalty-notice)\n"
        "  Second occasion (one earlier cannabis disposal): a penalty notice for disorder.\n"
        "  Occasion 2: 1 earlier disposal counted (2024-01-03 cannabis cannabis_warning). Rule "
        "'second-occasion-penalty-notice' applies: cannabis is one of cannabis; occasion 2 = 2.\n"
    )
    decisions = json.loads(run("--compare", "--date", "2024-03-01", "--drug", "cocaine", "--age", "30", "--admits",
                               "--on-bail", "--format", "json"))
    assert [(d["policy"], d["disposal"], d["rule_id"]) for d in decisions] == [
        ("avon_somerset", "diversion", "first-occasion-programme"),
        ("durham_checkpoint", "not_eligible", "on-bail"),
        ("london_proposed", "community_resolution", "other-drug-early-occasion"),
        ("national_cannabis", "not_eligible", "other-drug-out-of-scope"),
    ]


def test_cli_list_and_errors() -> None:
    listed = run("--list")
    assert listed.startswith("avon_somerset: Avon and Somerset Constabulary Drug Education Programme\n"
                             "  1. supply-out-of-scope -> not_eligible: ")
    assert [json.loads(run("--list", "--format", "json"))[i]["name"] for i in range(4)] == list(POLICIES)
    assert "unknown policy 'nope'" in run("--policy", "nope", "--date", "2024-01-01", "--drug", "x", "--age", "3",
                                          code=1)
    assert "--date, --age missing" in run("--policy", "national_cannabis", "--drug", "cannabis", code=1)
    assert "bad prior '2024-01-03:cannabis'" in run("--policy", "national_cannabis", "--date", "2024-03-01",
                                                    "--drug", "cannabis", "--age", "19", "--prior",
                                                    "2024-01-03:cannabis", code=1)
    assert "choose a policy" in run("--date", "2024-03-01", code=1)


@pytest.mark.parametrize(("line", "fields"), [("p1,2024-01-02,cannabis", 3),
                                              ("p1,2024-01-02,cannabis,19,arrest_charge,x,y", 7)])
def test_rows_of_the_wrong_width_are_refused_by_line(tmp_path: Path, line: str, fields: int) -> None:
    text = f"person_id,date,drug,age,actual_disposal\np0,2024-01-01,cannabis,19,cannabis_warning\n{line}\n"
    path = tmp_path / "short.csv"
    path.write_text(text, encoding="utf-8")
    for read in (lambda: read_records(path), lambda: read_records_bytes(text.encode(), "short.csv")):
        with pytest.raises(SourceRefused, match=f"short.csv line 3: {fields} fields, but the header names 5"):
            read()


def test_records_from_memory_equal_records_from_the_file() -> None:
    path = Path(__file__).parent / "data" / "disposal_cases.csv"
    assert read_records_bytes(path.read_bytes(), path.name) == read_records(path)
