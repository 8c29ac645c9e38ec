"""The credential authority's command, `voting-service credentials generate`.

It is reached without importing the server's command line (voting_service/entry.py), so the
authority's machine runs it with no database code loaded at all.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from .files import AuthorityError
from .generate import generate


@click.command("generate")
@click.argument("extract", type=click.Path(dir_okay=False))
@click.option("--letters", "letters_dir", required=True, type=click.Path(file_okay=False),
              help="An empty or new folder for the letter PDFs (they hold the codes).")
@click.option("--public", "public_path", required=True, type=click.Path(dir_okay=False),
              help="The file to hand to the server (no secret in it).")
@click.option("--key", "key_path", envvar="VOTING_AUTHORITY_KEY", default="authority.key",
              show_default=True, type=click.Path(dir_okay=False),
              help="The authority's signing key (or VOTING_AUTHORITY_KEY); created 0600 on "
                   "first use. Keep it on this machine.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Processes (default: one per core).")
@click.option("--batch-size", type=click.IntRange(1, 5000), default=500, show_default=True)
def generate_command(extract, letters_dir, public_path, key_path, workers, batch_size):
    """Credential authority, on its own machine: draw the codes of the voters in EXTRACT
    (from `credentials extract`), print their letters, and write the signed public file
    for `credentials import`."""
    try:
        report = generate(Path(extract), Path(letters_dir), Path(public_path), Path(key_path),
                          workers=workers or os.cpu_count() or 1, batch_size=batch_size)
    except AuthorityError as error:
        click.echo(f"Error ({error.code}): {error.message}", err=True)
        sys.exit(error.exit_code)
    if report.key_created:
        click.echo(f"Created the authority key {key_path}.")
    click.echo(f"Authority key (give it to the election authority out of band): "
               f"{report.authority_key}")
    click.echo(f"{report.letters} letter(s) for {report.election} in {len(report.files)} "
               f"file(s) under {letters_dir}.")
    click.echo(f"Public file for the server: {public_path} "
               f"(voting-service credentials import {report.election} {public_path})")
