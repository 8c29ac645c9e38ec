"""`voting-service credentials …`: letter codes and invitation letters."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from ..config import ConfigError, public_url
from ..domain import credentials as credentials_domain
from ..domain import credentials_public, elections
from ..store.db import transaction
from .common import DomainAwareGroup, actor, sessions


def _key_dir() -> Path:
    return Path(os.environ.get("VOTING_KEY_DIR", "keys"))


def _online_url(given: str | None) -> str:
    try:
        return public_url(given)
    except ConfigError as error:
        raise click.UsageError(str(error))


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
    url = _online_url(online_url)
    factory = sessions()
    pending = credentials_domain.count_pending(factory, election_id)
    show_bar = sys.stderr.isatty()
    with click.progressbar(length=pending, label="Credentials", file=sys.stderr,
                           hidden=not show_bar) as bar:
        report = credentials_domain.issue_credentials(
            factory, actor(), election_id, Path(out_dir), _key_dir(), url,
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
                                      Path(out_dir), _key_dir(), _online_url(online_url))
    click.echo(f"New letter for {voter_number.upper()}: {path}")


@credentials.command("list")
@click.argument("election_id")
def list_command(election_id):
    """Print the public credentials per question (JSON), as published."""
    with transaction(sessions()) as db:
        election = elections.get_election(db, election_id)
        click.echo(json.dumps(credentials_public.listing(db, election)))
