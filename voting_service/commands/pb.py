"""``voting-service pb``: participatory-budgeting tools for operators and auditors."""

from __future__ import annotations

import json

import click

from ..pb.explain import show
from ..pb.instance import exact_number
from ..pb.pabulib import PabulibError, read_pabulib
from ..pb.rules import RULES, SATISFACTIONS, RuleSpecError, run
from ..pb.tiebreak import DEFAULT_TIE_BREAK, TIE_BREAKS


@click.group(name="pb")
def pb() -> None:
    """Participatory-budgeting rules and pabulib files."""


@pb.command("tally")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--rule", required=True, type=click.Choice(RULES), help="The rule to apply.")
@click.option("--satisfaction", type=click.Choice(SATISFACTIONS), default="cost",
              show_default=True, help="Satisfaction measure of the equal-shares rules.")
@click.option("--tie-break", type=click.Choice(TIE_BREAKS), default=DEFAULT_TIE_BREAK,
              show_default=True, help="How projects the rule values equally are ordered.")
@click.option("--threshold", help="Minimum score for greedy-threshold (default: the file's "
                                  "META min_project_score_threshold).")
@click.option("--reserve-share", help="For greedy-reserve: the share of its cost (e.g. 0.8) "
                                       "that the money left must cover for the first project "
                                       "that does not fit to be funded from the reserve.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
def tally(file, rule, satisfaction, tie_break, threshold, reserve_share, as_json):
    """Tally the votes of a pabulib FILE with a PB rule.

    Cumulative and ordinal votes are tallied by their points (ordinal ranks earn k, k-1, ...
    1 points, k being the META max_length or the longest ballot). Exclusive groups declared
    in the file's exclusive_group column apply to every rule that takes them.
    """
    try:
        election = read_pabulib(file)
    except PabulibError as error:
        raise click.ClickException(str(error)) from None
    except OSError as error:
        raise click.ClickException(f"{file}: cannot read the file: {error.strerror}") from None
    spec = {"rule": rule, "satisfaction": satisfaction, "tie_break": tie_break}
    if rule == "greedy-threshold":
        if threshold is None:
            threshold = election.meta.get("min_project_score_threshold")
            if threshold is None:
                raise click.UsageError("greedy-threshold needs --threshold: the file's META has "
                                       "no min_project_score_threshold")
        try:
            spec["threshold"] = exact_number(threshold, what="threshold")
        except ValueError as error:
            raise click.UsageError(str(error)) from None
    elif threshold is not None:
        raise click.UsageError("--threshold only applies to --rule greedy-threshold")
    if reserve_share is not None:
        spec["reserve_share"] = reserve_share
    if election.exclusive_groups and rule != "majority-judgement":
        spec["exclusive"] = election.exclusive_groups
    try:
        outcome = run(spec, election.instance, election.profile())
    except RuleSpecError as error:
        raise click.UsageError(str(error)) from None
    except ValueError as error:  # numbers the rule cannot compare exactly, and refuses
        raise click.ClickException(f"{file}: {error}") from None
    if as_json:
        data = {"file": str(file), **outcome.to_json()}
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    names = {pid: row.get("name", "") for pid, row in election.project_rows.items()}
    click.echo(f"{file}: rule {outcome.rule}, {election.num_voters:,} voters, budget "
               f"{show(outcome.budget)}")
    click.echo(f"Selected {len(outcome.selected)} of {len(election.instance)} projects, "
               f"costing {show(outcome.total_cost)}:")
    for pid in outcome.selected:
        reserve = " (funded from the reserve)" if outcome.pabulib_selected()[pid] == 2 else ""
        click.echo(f"  + {pid} {names.get(pid, '')}{reserve}".rstrip())
        click.echo(f"      {outcome.explanations[pid].reason}")
    click.echo("Not selected:")
    for pid, explanation in outcome.explanations.items():
        if not explanation.selected:
            click.echo(f"  - {pid} {names.get(pid, '')}".rstrip())
            click.echo(f"      {explanation.reason}")
