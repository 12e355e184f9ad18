"""`scrutiny disposal`: what a drug-possession disposal policy recommends for a case, or for every row of a CSV
of disposal records, and where what was done differs from it.

    scrutiny disposal --list
    scrutiny disposal --policy national_cannabis --date 2024-03-01 --drug cannabis --age 19 \\
        --prior 2024-01-03:cannabis:cannabis_warning --admits
    scrutiny disposal --compare --date 2024-03-01 --drug cocaine --age 25
    scrutiny disposal --policy london_proposed --cases disposals.csv --format csv

Output is plain aligned text (or JSON, or CSV for --cases) so it reads the same in a terminal and a file.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from scrutiny.cli.common import user_errors
from scrutiny.cli.metrics import pct
from scrutiny.errors import BadInput
from scrutiny.vocab import numbers

if TYPE_CHECKING:
    from scrutiny.workspace.disposal_equity import Checked
    from scrutiny.workspace.disposal_policy import Decision, Policy


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


CASE_COLUMNS = ("line", "person_id", "date", "drug", "age", "ethnic_group", "actual_disposal", "policy",
                "recommended", "rule_id", "differs")


def columns(rows: Sequence[Sequence[str]]) -> str:
    """Rows as left-aligned columns two spaces apart (the first row is the header)."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows)


def _ci(p: dict[str, Any]) -> str:
    return numbers.pct_interval(p["ci_low"], p["ci_high"], missing=numbers.DASH)


def _list_text(policies: list[Policy]) -> str:
    lines = []
    for p in policies:
        lines.append(f"{p.name}: {p.title}")
        for i, r in enumerate(p.rules, 1):
            lines.append(f"  {i}. {r.id} -> {r.disposal.value}: {r.text}")
    return "\n".join(lines)


def _decisions_text(decisions: list[Decision]) -> str:
    lines = []
    for d in decisions:
        lines += [f"{d.policy}: {d.disposal.value} (rule {d.rule_id})", f"  {d.rule_text}", f"  {d.explanation}"]
    return "\n".join(lines)


def _case_rows(checked: list[Checked]) -> list[dict[str, str]]:
    return [{
        "line": str(c.record.line), "person_id": c.record.person_id, "date": c.record.date.isoformat(),
        "drug": c.record.drug, "age": str(c.record.age), "ethnic_group": c.record.ethnic_group,
        "actual_disposal": c.record.actual.value, "policy": c.decision.policy,
        "recommended": c.decision.disposal.value, "rule_id": c.decision.rule_id,
        "differs": "n/a" if c.differs is None else ("yes" if c.differs else "no"),
    } for c in checked]


def _cases_output(policies: list[Policy], path: Path, output: Format) -> str:
    from scrutiny.workspace.disposal_equity import check, compliance, disposal_mix, read_records

    records = read_records(path)
    checked = {p.name: check(p, records) for p in policies}
    rows = [row for p in policies for row in _case_rows(checked[p.name])]
    if output is Format.csv:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=CASE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return buffer.getvalue().rstrip("\n")
    summary = {name: compliance(c) for name, c in checked.items()}
    if output is Format.json:
        return json.dumps({"policies": [p.name for p in policies], "rows": rows, "disposal_mix": disposal_mix(records),
                           "compliance": summary}, indent=2, allow_nan=False)
    text = [columns([list(CASE_COLUMNS), *[[r[c] for c in CASE_COLUMNS] for r in rows]]), ""]
    for name, groups in summary.items():
        text.append(f"{name}: actual disposal differs from the recommendation")
        table = [["group", "records", "covered", "differ", "share", "95% interval", "charged, not recommended"]]
        for g in groups:
            table.append([g["group"], str(g["records"]), str(g["covered"]), str(g["differs"]["count"]),
                          pct(g["differs"]["share"]),
                          _ci(g["differs"]), str(g["charged_not_recommended"]["count"])])
        text += [columns(table), ""]
    return "\n".join(text).rstrip("\n")


def disposal(
    policy: Annotated[list[str] | None, typer.Option("--policy", help="A policy name (see --list) or a .toml file; "
                                                     "repeat to compare several.")] = None,
    list_them: Annotated[bool, typer.Option("--list", help="List the policies and their rules.")] = False,
    person: Annotated[str, typer.Option("--person", help="Pseudonymous person id (never a name).")] = "case",
    when: Annotated[str | None, typer.Option("--date", help="Date of the offence, YYYY-MM-DD.")] = None,
    drug: Annotated[str | None, typer.Option("--drug", help="The drug, e.g. cannabis, cocaine.")] = None,
    age: Annotated[int | None, typer.Option("--age", help="Age at the offence, in years.")] = None,
    prior: Annotated[list[str] | None, typer.Option("--prior", help="An earlier disposal DATE:DRUG:DISPOSAL, e.g. "
                                                    "2024-01-03:cannabis:cannabis_warning; repeat for more.")] = None,
    admits: Annotated[bool | None, typer.Option("--admits/--denies", help="Whether the person admits the offence "
                                                "(unknown when neither is given).")] = None,
    on_bail: Annotated[bool | None, typer.Option("--on-bail/--not-on-bail", help="Whether the person is on bail "
                                                 "(unknown when neither is given).")] = None,
    intent: Annotated[str, typer.Option("--intent", help="possession (for personal use) or supply.")] = "possession",
    cases: Annotated[Path | None, typer.Option("--cases", help="CSV of disposal records: person_id, date, drug, age, "
                                               "actual_disposal[, admits, on_bail, intent, ethnic_group].")] = None,
    compare_all: Annotated[bool, typer.Option("--compare", help="Every policy (or every --policy given) side by "
                                              "side.")] = False,
    output: Annotated[Format, typer.Option("--format", help="table, json, or csv (with --cases).")] = Format.table,
) -> None:
    """What a drug-possession disposal policy recommends, and where what was done differs from it."""
    from scrutiny.workspace.disposal_policy import CaseBuilder, compare, list_policies, load_policies

    with user_errors():
        if list_them:
            policies = load_policies(policy or None)
            typer.echo(json.dumps([p.as_dict() for p in policies], indent=2) if output is Format.json
                       else _list_text(policies))
            return
        if not policy and not compare_all:
            raise BadInput(f"choose a policy with --policy NAME (one of {', '.join(list_policies())}), or "
                                "--compare for all of them")
        policies = load_policies(policy if policy else None)
        if cases is not None:
            typer.echo(_cases_output(policies, cases, output))
            return
        if output is Format.csv:
            raise BadInput("--format csv is for --cases; use table or json for one case")
        missing = [name for name, value in (("--date", when), ("--drug", drug), ("--age", age)) if value is None]
        if missing:
            raise BadInput(f"describe the case: {', '.join(missing)} missing (or give --cases FILE.csv)")
        builder = CaseBuilder()
        case = builder.build(person, str(when), str(drug), str(age), prior or (), admits, on_bail, intent)
        if case is None:
            raise BadInput("; ".join(f"--{k}: {v}" for k, v in builder.errors.items()))
        decisions = compare(policies, case)
    typer.echo(json.dumps([d.as_dict() for d in decisions], indent=2) if output is Format.json
               else _decisions_text(decisions))


def register(app: typer.Typer) -> None:
    app.command("disposal")(disposal)
