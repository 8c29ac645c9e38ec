"""`voting-service voters …`: the roll, eligibility, unlocking and retention."""

from __future__ import annotations

import json
import os
import sys

import click

from ..domain import elections, retention, voter_auth, voter_roll
from ..domain.errors import DomainError
from ..store.db import transaction
from .common import DomainAwareGroup, actor, sessions


def _ctx():
    return sessions(), actor()


@click.group(cls=DomainAwareGroup)
def voters():
    """The voter roll of an election."""


@voters.command("import")
@click.argument("election_id")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--districts", "districts_file", type=click.Path(exists=True, dir_okay=False),
              help="CSV code_postal;quartier, used where a row's quartier is empty.")
@click.option("--all-or-nothing", is_flag=True, help="Import nothing if any line is rejected.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def import_command(election_id, csv_file, districts_file, all_or_nothing, as_json):
    """Import or update the roll from CSV (header
    numero_electeur;nom;prenoms;date_naissance;adresse;code_postal;quartier)."""
    factory, who = _ctx()
    postcode_map = None
    if districts_file:
        with open(districts_file, "rb") as handle:
            postcode_map = voter_roll.read_district_map(handle)
    show_bar = sys.stderr.isatty() and not as_json
    size = os.path.getsize(csv_file)
    with open(csv_file, "rb") as handle:
        try:
            with transaction(factory) as db, click.progressbar(
                    length=size, label="Import", file=sys.stderr,
                    hidden=not show_bar) as bar:
                election = elections.get_election(db, election_id, lock=True)
                report = voter_roll.import_roll(
                    db, who, election, handle, postcode_map, all_or_nothing,
                    progress=lambda _n: bar.update(handle.tell() - bar.pos))
        except DomainError as error:
            if error.code == "rows_rejected" and as_json:
                click.echo(json.dumps({"imported": 0, "updated": 0, "unchanged": 0,
                                       "rejected": error.details["rejected"]},
                                      ensure_ascii=False))
                sys.exit(3)
            if error.code == "rows_rejected":
                for row in error.details["rejected"][:50]:
                    click.echo(f"  ligne {row['line']}: {row['reason']}", err=True)
            raise
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False))
        return
    click.echo(f"Imported {report.imported}, updated {report.updated}, unchanged "
               f"{report.unchanged}, rejected {len(report.rejected)}.")
    for row in report.rejected[:50]:
        click.echo(f"  line {row['line']}: {row['reason']}")
    if len(report.rejected) > 50:
        click.echo(f"  … and {len(report.rejected) - 50} more (use --json for all)")
    if report.credentials_revoked:
        click.echo(f"{report.credentials_revoked} credential(s) revoked: voters no longer "
                   "eligible.")


@voters.command("rules")
@click.argument("election_id")
@click.option("--min-age", type=int, help="Minimum age on the last voting day.")
@click.option("--birth-date-at-login/--no-birth-date-at-login", default=None,
              help="Ask voters for their date of birth with their code.")
def rules_command(election_id, min_age, birth_date_at_login):
    """Set eligibility and login rules, and decide again for every voter."""
    factory, who = _ctx()
    with transaction(factory) as db:
        election = elections.get_election(db, election_id, lock=True)
        changed = voter_roll.set_rules(db, who, election, min_age, birth_date_at_login)
        click.echo(f"Rules set (minimum age {election.min_age}); {changed} decision(s) changed.")


@voters.command("override")
@click.argument("election_id")
@click.argument("voter_number")
@click.argument("decision", type=click.Choice(["include", "exclude", "none"]))
@click.option("--reason", default="", help="Required for include and exclude.")
def override_command(election_id, voter_number, decision, reason):
    """Include or exclude one person by hand (audit-logged)."""
    factory, who = _ctx()
    with transaction(factory) as db:
        election = elections.get_election(db, election_id, lock=True)
        voter = voter_roll.set_override(db, who, election, voter_number,
                                        None if decision == "none" else decision, reason)
        click.echo(f"{voter_number}: {'eligible' if voter.eligible else 'not eligible'} "
                   f"({voter.eligibility_reason})")


@voters.command("show")
@click.argument("election_id")
@click.argument("voter_number")
def show_command(election_id, voter_number):
    """A voter's eligibility decision (for a staff member answering a resident)."""
    factory, _who = _ctx()
    with transaction(factory) as db:
        election = elections.get_election(db, election_id)
        voter = voter_roll.find_voter(db, election, voter_number)
        click.echo(json.dumps({"voter_number": voter.voter_number,
                               "eligible": voter.eligible,
                               "reason": voter.eligibility_reason,
                               "questions": voter.questions,
                               "district": voter.district_key}, ensure_ascii=False))


@voters.command("unlock")
@click.argument("election_id")
@click.argument("voter_number")
def unlock_command(election_id, voter_number):
    """Lift the login delays on a voter number after checking who they are (audit-logged)."""
    factory, who = _ctx()
    with transaction(factory) as db:
        election = elections.get_election(db, election_id)
        lifted = voter_auth.unlock(db, who, election, voter_number.upper())
    click.echo(f"{voter_number.upper()}: " + ("login delays lifted." if lifted
                                               else "no failed login to forget."))


@voters.command("purge")
@click.argument("election_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def purge_command(election_id, yes):
    """Delete the personal data of a certified election after its retention period.
    The public record (credentials, ballots, results) stays."""
    if not yes:
        click.confirm(f"Delete every voter's personal data for {election_id}?", abort=True)
    factory, who = _ctx()
    with transaction(factory) as db:
        election = elections.get_election(db, election_id, lock=True)
        count = retention.purge(db, who, election)
    click.echo(f"Personal data of {count} voter(s) deleted; the public record is intact.")
