"""`voting-service record …` and `voting-service verify`: the public record file.

`verify` reads only the record file: no database, no configuration, no key folder.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .common import EXIT_VERIFY, DomainAwareGroup


@click.group(cls=DomainAwareGroup)
def record():
    """The public election record: export, witness (co-sign) a head."""


@record.command("export")
@click.argument("election_id")
@click.argument("file", type=click.Path(dir_okay=False))
def export_command(election_id, file):
    """Write the election's record file (a zip of events.jsonl, heads, witnesses)."""
    from ..domain import elections
    from ..domain import record as record_domain
    from ..store.db import transaction
    from .common import sessions

    with transaction(sessions()) as db:
        election = elections.get_election(db, election_id)
        report = record_domain.export(db, election, Path(file))
    click.echo(f"{file}: {report.events} events, {report.heads} signed heads, "
               f"{report.witnesses} witness signatures; head {report.head}")


@record.command("witness")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--key", "key_file", required=True, type=click.Path(dir_okay=False),
              help="The auditor's Ed25519 key (32 raw bytes; created 0600 if missing).")
@click.option("--name", required=True, help="Who co-signs (shown in the record).")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Where to write the co-signature (default: standard output).")
def witness_command(file, key_file, name, out):
    """Verify a record file, then co-sign its head with an auditor's key."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ..record.archive import read_record
    from ..record.events import RecordFormatError
    from ..record.heads import sign_head
    from ..record.verify import verify_record

    try:
        parsed = read_record(Path(file))
    except RecordFormatError as error:
        click.echo(f"FAILED: {error}", err=True)
        sys.exit(EXIT_VERIFY)
    report = verify_record(parsed)
    if not report.ok:
        click.echo(f"FAILED, not co-signed: {report.failure['message']}", err=True)
        sys.exit(EXIT_VERIFY)
    if name == "service":
        raise click.UsageError("a witness signs under their own name")
    seed = _auditor_seed(Path(key_file))
    fingerprint = bytes.fromhex(parsed.events[0].body["fingerprint"])
    last = parsed.events[-1]
    head = sign_head(Ed25519PrivateKey.from_private_bytes(seed), fingerprint, last.seq,
                     last.hash, signer=name)
    text = json.dumps(head.to_json(), sort_keys=True)
    if out:
        Path(out).write_text(text + "\n", encoding="utf-8")
        click.echo(f"co-signed height {last.seq} as {name}: {out}")
    else:
        click.echo(text)


def _auditor_seed(path: Path) -> bytes:
    import os
    import secrets

    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(32))
    if path.stat().st_mode & 0o077:
        raise click.UsageError(f"{path} is readable by others: chmod 600 it")
    seed = path.read_bytes()
    if len(seed) != 32:
        raise click.UsageError(f"{path} must hold exactly 32 bytes")
    return seed


@record.command("add-witness")
@click.argument("election_id")
@click.argument("signature_file", type=click.Path(exists=True, dir_okay=False))
def add_witness_command(election_id, signature_file):
    """Publish an auditor's co-signature of a head in the record."""
    from ..domain import elections
    from ..domain import record as record_domain
    from ..domain.errors import InvalidInput
    from ..store.db import transaction
    from .common import sessions

    try:
        signed = json.loads(Path(signature_file).read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidInput(f"not a co-signature file: {error}", "invalid_witness")
    with transaction(sessions()) as db:
        election = elections.get_election(db, election_id)
        head = record_domain.add_witness(db, election, signed)
    click.echo(f"witness {head.signer} added at height {head.height}")


@click.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Every named check with its result.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Processes for the ballot proofs (default: every core).")
def verify(file, as_json, workers):
    """Verify a record file from the file alone (exit 1 names the first failure)."""
    from ..record.archive import read_record
    from ..record.events import RecordFormatError
    from ..record.verify import CHECKS, verify_record

    try:
        parsed = read_record(Path(file))
    except RecordFormatError as error:
        report = {"ok": False, "checks": {name: "not_reached" for name in CHECKS},
                  "failure": {"check": "record_format", "event": None, "type": None,
                              "message": str(error)}}
        if as_json:
            click.echo(json.dumps(report, indent=2))
        else:
            click.echo(f"FAILED record_format: {error}")
        sys.exit(EXIT_VERIFY)
    report = verify_record(parsed, workers=workers)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
    else:
        for name, result in report.checks.items():
            click.echo(f"  {result:<14} {name}")
        if report.ok:
            counted = ", ".join(f"{q}: {len(t)}" for q, t in report.counted.items())
            click.echo(f"OK: {report.events} events, {report.ballots_cast} ballots cast, "
                       f"counted {counted}; head {report.head}")
        else:
            failure = report.failure
            where = f" at event {failure['event']} ({failure['type']})" if failure["event"] \
                else ""
            click.echo(f"FAILED {failure['check']}{where}: {failure['message']}")
    sys.exit(0 if report.ok else EXIT_VERIFY)
