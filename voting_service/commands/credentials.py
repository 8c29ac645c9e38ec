"""`voting-service credentials …`: letter codes and invitation letters.

Two paths (docs/decisions.md, "Credential authority and check-in QR v2"): `issue` and
`reissue` draw the codes on this server; `extract`, then `generate` on the credential
authority's own machine, then `import`, keep every code off the server.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from ..authority.cli import generate_command
from ..authority.files import AuthorityError, read_json, write_private_json
from ..domain import credential_authority
from ..domain import credentials as credentials_domain
from ..domain import credentials_public, elections
from ..domain.errors import Conflict, InvalidInput
from ..store.db import transaction
from .common import EXIT_CONFLICT, DomainAwareGroup, actor, sessions

DEFAULT_URL = "http://127.0.0.1:8000/"


def _online_url(given: str | None) -> str:
    return given or os.environ.get("VOTING_PUBLIC_URL", DEFAULT_URL)


@click.group(cls=DomainAwareGroup)
def credentials():
    """Voter credentials and invitation letters."""


@credentials.command("issue")
@click.argument("election_id")
@click.option("--letters", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for the letter PDF batches (keep it safe: letters hold codes).")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Processes (default: one per core).")
@click.option("--batch-size", type=click.IntRange(1, 5000), default=500, show_default=True)
@click.option("--online-url", default=None, help="Voting address printed on the letters "
              "(default VOTING_PUBLIC_URL).")
def issue_command(election_id, out_dir, workers, batch_size, online_url):
    """Issue a credential and letter to every eligible voter still without one."""
    factory = sessions()
    pending = credentials_domain.count_pending(factory, election_id)
    show_bar = sys.stderr.isatty()
    with click.progressbar(length=pending, label="Credentials", file=sys.stderr,
                           hidden=not show_bar) as bar:
        report = credentials_domain.issue_credentials(
            factory, actor(), election_id, Path(out_dir), _online_url(online_url),
            workers=workers, chunk_size=batch_size, progress=bar.update)
    for name in report.recovered:
        click.echo(f"Recovered {name}: its credentials were stored before an interruption.")
    click.echo(f"{report.issued} credential(s) issued in {len(report.files)} letter file(s) "
               f"under {out_dir}.")
    if report.withdrawn:
        click.echo("Do NOT send the letters of these voters (no longer eligible, or issued "
                   f"meanwhile by another run): {', '.join(report.withdrawn)}")


@credentials.command("reissue")
@click.argument("election_id")
@click.argument("voter_number")
@click.option("--letters", "out_dir", required=True, type=click.Path(file_okay=False))
@click.option("--online-url", default=None)
def reissue_command(election_id, voter_number, out_dir, online_url):
    """Replace a lost letter: revokes the old public credential (audit-logged)."""
    path = credentials_domain.reissue(sessions(), actor(), election_id, voter_number,
                                      Path(out_dir), _online_url(online_url))
    click.echo(f"New letter for {voter_number.upper()}: {path}")


@credentials.command("list")
@click.argument("election_id")
def list_command(election_id):
    """Print the public credentials per question (JSON), as published."""
    with transaction(sessions()) as db:
        election = elections.get_election(db, election_id)
        click.echo(json.dumps(credentials_public.listing(db, election)))


@credentials.command("extract")
@click.argument("election_id")
@click.argument("out", type=click.Path(dir_okay=False))
@click.option("--reissue", "voter_number", default=None,
              help="Extract only this voter, whose letter the authority reissues.")
@click.option("--online-url", default=None, help="Voting address printed on the letters "
              "(default VOTING_PUBLIC_URL).")
def extract_command(election_id, out, voter_number, online_url):
    """Write the roll extract the credential authority prints letters from (names and
    addresses: the file is readable by its owner only)."""
    with transaction(sessions()) as db:
        body = credential_authority.extract(db, election_id, _online_url(online_url),
                                            voter_number)
    try:
        write_private_json(Path(out), body)
    except AuthorityError as error:
        raise (Conflict if error.exit_code == EXIT_CONFLICT else InvalidInput)(error.message,
                                                                               error.code)
    click.echo(f"{len(body['voters'])} voter(s) extracted to {out}. On the authority's "
               f"machine: voting-service credentials generate {Path(out).name} --letters DIR "
               "--public PUBLIC.json --key AUTHORITY.key")


@credentials.command("import")
@click.argument("election_id")
@click.argument("public_file", type=click.Path(dir_okay=False))
def import_command(election_id, public_file):
    """Store the credentials of the authority's signed public file (from `generate`)."""
    try:
        body = read_json(Path(public_file), "public file")
    except AuthorityError as error:
        raise InvalidInput(error.message, error.code)
    with transaction(sessions()) as db:
        report = credential_authority.import_public_file(db, actor(), election_id, body,
                                                         Path(public_file).name)
    what = (f"Reissue for {report.reissue_of}" if report.reissue_of
            else f"{report.imported} credential(s)")
    click.echo(f"{what} imported. Authority key {report.authority_key}: check it against "
               "the one the authority gave you.")


credentials.add_command(generate_command, "generate")
