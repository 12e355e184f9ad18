"""`scrutiny bias`: the outcome test and (with NumPyro) the threshold test, as JSON or tables."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from scrutiny.cli.bias_tests import print_test
from scrutiny.cli.common import DbOption, console, err_console, print_notes, user_errors
from scrutiny.cli.metrics import pct
from scrutiny.cli.options import (
    AreaOption,
    Basis,
    EthnicityOption,
    ForceOption,
    Format,
    FromOption,
    PowerOption,
    PurposeOption,
    ToOption,
    scope_of,
)
from scrutiny.errors import BadInput
from scrutiny.vocab import numbers
from scrutiny.vocab.ethnicity import HEADLINE_GROUP
from scrutiny.vocab.suppression import RATIO_SUPPRESSED_TEXT


class By(StrEnum):
    group = "group"
    area = "area"


def _interval(low: float | None, high: float | None) -> str:
    return numbers.pct_interval(low, high, missing="")


def _difference(d: dict[str, Any] | None) -> str:
    if d is None:
        return "reference"
    if d["suppressed"]:
        return RATIO_SUPPRESSED_TEXT
    return f"{numbers.points(d['value'])} pts ({numbers.points(d['ci_low'])} to {numbers.points(d['ci_high'])})"


def _groups_table(title: str, groups: list[dict[str, Any]], linked: bool) -> Table:
    table = Table(title=title, title_justify="left")
    names = ["group", "searches", "with outcome", "hits", "hit rate", "95% interval", "vs White (95%)"]
    if linked:
        names += ["linked hit rate", "95% interval"]
    for name in names:
        table.add_column(name)
    for g in groups:
        cells = [g["group"], f"{g['searches']:,}", f"{g['known_outcome']:,}", f"{g['hits']:,}", pct(g["hit_rate"]),
                 _interval(g["ci_low"], g["ci_high"]), _difference(g["difference_vs_white"])]
        if linked:
            cells += [pct(g["linked_hit_rate"]), _interval(g["linked_ci_low"], g["linked_ci_high"])]
        table.add_row(*cells)
    return table


def _threshold_table(threshold: dict[str, Any]) -> None:
    if not threshold["run"]:
        console.print(f"threshold test: {threshold['reason']}", highlight=False, markup=False)
        return
    groups = threshold.get("groups")
    if isinstance(groups, list) and groups and isinstance(groups[0], dict):
        table = Table(title="Threshold test: inferred search threshold (95% credible interval)", title_justify="left")
        keys = [k for k in groups[0] if not isinstance(groups[0][k], dict | list)]
        for key in keys:
            table.add_column(key)
        for g in groups:
            table.add_row(*[f"{g[k]:.3f}" if isinstance(g[k], float) else str(g[k]) for k in keys])
        console.print(table)
    else:
        console.print_json(json.dumps({k: v for k, v in threshold.items() if k != "notes"}, allow_nan=True))
    print_notes(threshold.get("notes", []))


def print_tables(doc: dict[str, Any]) -> None:
    test = doc["outcome_test"]
    scope = doc["scope"]
    where = scope["area_name"] or scope["force"]
    linked = test["linked_published"] > 0
    console.print(f"[bold]{where}[/], {scope['from']} to {scope['to']}: outcome test over "
                  f"{test['person_searches']:,} searches of people, ethnicity {scope['ethnicity']}-defined",
                  highlight=False)
    console.print(_groups_table("Outcome test: hit rate by group (Wilson 95% interval)", test["groups"], linked))
    for area in test["areas"] or []:
        name = area["area_name"] or ("no location" if area["area_code"] == "unknown" else area["area_code"])
        console.print(_groups_table(f"{name} ({area['person_searches']:,} searches of people)", area["groups"],
                                    linked))
    unknown = test["unknown_ethnicity"]
    console.print(f"unknown ethnicity: {unknown['searches']:,} searches, {unknown['hits']:,} hits (not in the groups)",
                  highlight=False)
    print_notes(test["notes"])
    _threshold_table(doc["threshold_test"])
    for name, text in doc["methods"].items():
        console.print(f"[bold]{name.replace('_', ' ')}:[/] {text}", highlight=False)


class Test(StrEnum):
    outcome = "outcome"
    darkness = "darkness"
    change = "change"
    rates = "rates"


def bias(
    force: ForceOption,
    start: FromOption,
    end: ToOption,
    area: AreaOption = None,
    test: Annotated[Test, typer.Option("--test", help="outcome (and the threshold test), darkness (veil of "
                                       "darkness), change (policy change in --area at --at) or rates (exact and "
                                       "standardised ratios to White, other denominators, rank intervals).")
                    ] = Test.outcome,
    by: Annotated[By, typer.Option("--by", help="group: over the whole scope; area: also per area.")] = By.group,
    ethnicity: EthnicityOption = Basis.self,
    purpose: PurposeOption = None,
    power: PowerOption = None,
    threshold: Annotated[
        bool, typer.Option("--threshold/--no-threshold", help="Also run the threshold test (needs NumPyro; slow).")
    ] = True,
    draws: Annotated[int, typer.Option("--draws", min=100, help="Posterior draws per chain (threshold test).")] = 1000,
    warmup: Annotated[
        int, typer.Option("--warmup", min=100, help="Warm-up (adaptation) iterations per chain (threshold test).")
    ] = 1000,
    exposure: Annotated[
        Path | None,
        typer.Option("--exposure", help="CSV with columns area_code, group, exposure, instead of Census residents "
                                        "(the threshold test; a scenario beside residents in --test rates)."),
    ] = None,
    group: Annotated[str, typer.Option("--group", help="darkness, change: the group compared with White people "
                                                       "(Asian, Black, Mixed or Other).")] = HEADLINE_GROUP,
    at: Annotated[str | None, typer.Option("--at", help="change: the first month of the new policy, YYYY-MM.")] = None,
    control: Annotated[str | None, typer.Option(
        "--control", help="change: areas to compare with (difference in differences), codes or names joined by "
                          "commas.")] = None,
    clock_change: Annotated[bool, typer.Option(
        "--clock-change", help="darkness: only the weeks either side of a clock change.")] = False,
    output: Annotated[Format, typer.Option("--format", help="json or table.")] = Format.json,
    db: DbOption = None,
) -> None:
    """Tests of bias: hit rates (outcome test) and search thresholds (threshold test); with --test, the veil of
    darkness, a policy change, or exact and standardised rates."""
    from scrutiny.bias.document import compute_bias
    from scrutiny.bias.inputs import read_exposure_csv
    from scrutiny.bias.suite import TestOptions, compute_test
    from scrutiny.config import resolve_db

    scope = scope_of(force, area, start, end, ethnicity, purpose, power)
    if test is not Test.outcome:
        controls = tuple(c.strip() for c in (control or "").split(",") if c.strip())
        options = TestOptions(group=group, at=at, controls=controls, clock_change=clock_change, exposure=exposure)
        with user_errors():
            doc = compute_test(resolve_db(db), scope, test.value, options)
        if output is Format.json:
            typer.echo(json.dumps(doc, indent=2, allow_nan=False))
        else:
            print_test(doc)
        return
    with user_errors():
        if group != HEADLINE_GROUP or at is not None or control or clock_change:
            raise BadInput("--group, --at, --control and --clock-change are for --test darkness or change")
        if exposure is not None:
            read_exposure_csv(exposure)  # a bad file is an error naming it, even when the test would not run
            if not threshold:
                raise BadInput(f"--exposure {exposure} is used only by the threshold test: drop --no-threshold, "
                               "or drop --exposure")
        doc = compute_bias(resolve_db(db), scope, by is By.area, threshold, exposure, draws=draws, warmup=warmup,
                           progress=threshold and sys.stderr.isatty())
    if threshold and not doc["threshold_test"]["available"]:
        err_console.print(f"the threshold test is not available; to install it: {doc['threshold_test']['install']}",
                          highlight=False, markup=False)
    if output is Format.json:
        typer.echo(json.dumps(doc, indent=2, allow_nan=False))
    else:
        print_tables(doc)


def register(app: typer.Typer) -> None:
    app.command()(bias)
