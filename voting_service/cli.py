"""The `voting-service` command, for operators, trustees and auditors.

Exit codes are listed in voting_service/commands/common.py.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys

import click

from .commands.common import (
    EXIT_VERIFY,
    DomainAwareGroup,
    actor,
    database_url,
    key_dir,
    sessions,
)
from .domain.errors import InvalidInput


# Start-up: the domain and the store (SQLAlchemy, Alembic) take about a second to import, and
# database-free commands (`pb tally`) need neither. Modules are therefore loaded when first
# used, and command groups when first invoked (LazyGroup).
def _lazy_module(name: str):
    spec = importlib.util.find_spec(name)
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return sys.modules[name]


def _deferred(module: str, name: str):
    def call(*args, **kwargs):
        return getattr(importlib.import_module(module), name)(*args, **kwargs)
    return call


audit = _lazy_module("voting_service.domain.audit")
demo = _lazy_module("voting_service.domain.demo")
elections = _lazy_module("voting_service.domain.elections")
staff_domain = _lazy_module("voting_service.domain.staff")
second_factor = _lazy_module("voting_service.domain.second_factor")
make_engine = _deferred("voting_service.store.db", "make_engine")
make_session_factory = _deferred("voting_service.store.db", "make_session_factory")
transaction = _deferred("voting_service.store.db", "transaction")
upgrade = _deferred("voting_service.store.migrate", "upgrade")


class LazyGroup(DomainAwareGroup):
    """A group whose ``lazy_commands`` (name -> ("module:attribute", short help)) are
    imported only when invoked. `--help` lists them from the short help kept here, so it
    imports none of them (a test checks these texts against the commands' own)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy_commands: dict[str, tuple[str, str]] = {}

    def list_commands(self, ctx):
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx, name):
        if name in self.lazy_commands and name not in self.commands:
            module, attribute = self.lazy_commands[name][0].split(":")
            self.add_command(getattr(importlib.import_module(module, __package__), attribute),
                             name)
        return super().get_command(ctx, name)

    def format_commands(self, ctx, formatter):
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            if name in self.lazy_commands and name not in self.commands:
                placeholder = click.Command(name, help=self.lazy_commands[name][1])
                rows.append((name, placeholder.get_short_help_str(limit)))
            elif not self.commands[name].hidden:
                rows.append((name, self.commands[name].get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup)
@click.version_option(package_name="voting-service")
def main():
    """voting-service: the vote of a municipal participatory budget.

    Every command reads VOTING_DATABASE_URL (default: the SQLite file instance/voting.db).
    """


@main.command("init-db")
def init_db():
    """Create or upgrade the database schema (Alembic migrations); create the instance and
    key folders of a new installation."""
    upgrade(make_engine(database_url(create=True)))
    keys = key_dir(create=True)
    second_factor.key(keys, create=True)
    click.echo(f"Database schema is up to date. Key folder: {keys.resolve()}")


@main.command("demo")
@click.option("--online-url", default=None,
              help="Voting address printed on the demo letters (default VOTING_PUBLIC_URL, "
                   "in development http://127.0.0.1:8000/).")
def demo_command(online_url):
    """Load the demo election (roll, letters, open vote) and demo staff accounts
    (idempotent)."""
    from .config import ConfigError, mode, paths, public_url

    if mode() == "production":  # demo accounts have published passwords
        raise ConfigError("the demo is for development only: set VOTING_MODE=development")
    engine = make_engine(database_url(create=True))
    upgrade(engine)
    keys = key_dir(create=True)
    second_factor.key(keys, create=True)
    letters = paths().instance_dir / "demo-letters"
    created, logins = demo.load_demo(make_session_factory(engine), keys, letters,
                                     public_url(online_url))
    click.echo("Demo election " + ("created" if created else "already present")
               + f": {demo.DEMO_SLUG}")
    click.echo(f"Invitation letters of the demo voters (PDF, with their codes): "
               f"{letters.resolve()}")
    click.echo(demo.logins_text(logins))


@main.command("serve")
@click.option("--bind", default="127.0.0.1:8000", show_default=True)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64),
              help="threads per worker (1: gunicorn's sync worker, no keep-alive)")
@click.option("--show-demo-logins", is_flag=True,
              help="Print the demo staff logins once the server is ready (`make run`).")
def serve(bind: str, workers: int, threads: int, show_demo_logins: bool):
    """Serve the web application with gunicorn."""
    from .serve import check_ready, run

    check_ready()  # settings, database and keys, before the port is bound
    banner = (f"Serving on http://{bind}/  (staff: http://{bind}/agents/, "
              f"API: http://{bind}/api/v1/openapi.json, health: http://{bind}/healthz)")
    if show_demo_logins:
        banner += "\n" + demo.logins_text([(u, r, p) for u, r, _n, p in demo.DEMO_STAFF])
    run(bind, workers, threads, banner)


@main.command("create-staff")
@click.argument("username")
@click.option("--role", required=True,
              type=click.Choice(["admin", "officer", "trustee", "auditor", "results_reader"]))
@click.option("--name", "display_name", default="", help="Display name.")
@click.option("--password", envvar="VOTING_STAFF_PASSWORD", default=None,
              help="Read from VOTING_STAFF_PASSWORD, else asked for (hidden).")
def create_staff(username, role, display_name, password):
    """Create a staff account."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with transaction(sessions()) as db:
        staff_domain.create_staff(db, actor(), username, role, password, display_name)
    click.echo(f"Staff account {username} ({role}) created.")


@main.group("audit-log")
def audit_log():
    """The hash-chained log of administrative actions."""


@audit_log.command("verify")
@click.option("--expect-head", default=None, help="A head hash noted earlier, to compare.")
def audit_verify(expect_head):
    """Recompute the chain; exit 1 naming the first bad entry."""
    with transaction(sessions()) as db:
        report = audit.verify(db, expect_head)
    if report.ok:
        click.echo(f"Audit log OK: {report.entries} entries, head {report.head}")
        return
    where = f"entry {report.first_bad_seq}: " if report.first_bad_seq else ""
    click.echo(f"Audit log BROKEN at {where}{report.reason}", err=True)
    sys.exit(EXIT_VERIFY)


@main.group("elections", cls=DomainAwareGroup)
def elections_group():
    """Elections: create, put projects, show, status, transition (mirrors API v1)."""


def _read_json(path: str):
    try:
        with open(path, encoding="utf-8-sig") as handle:
            return json.load(handle)
    except OSError as error:
        raise InvalidInput(f"{path}: {error.strerror}", "unreadable_file")
    except json.JSONDecodeError as error:
        raise InvalidInput(f"{path}: not valid JSON (line {error.lineno}, column "
                           f"{error.colno}: {error.msg})", "malformed_json")


@elections_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def elections_list(as_json):
    """List elections: id, title, status."""
    with transaction(sessions()) as db:
        rows = [{"id": e.slug, "title": e.title, "status": e.status}
                for e in elections.summaries(db)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    if not rows:
        click.echo("No election.")
    for row in rows:
        click.echo(f"{row['id']:<30} {row['status']:<10} {row['title']}")


@elections_group.command("create")
@click.argument("manifest_file", type=click.Path(dir_okay=False))
def elections_create(manifest_file):
    """Create a draft election from a manifest JSON file."""
    body = _read_json(manifest_file)
    with transaction(sessions()) as db:
        election = elections.create_election(db, actor(), body)
        click.echo(f"Election {election.slug} created (draft).")


@elections_group.command("put-projects")
@click.argument("election_id")
@click.argument("question_id")
@click.argument("projects_file", type=click.Path(dir_okay=False))
def elections_put_projects(election_id, question_id, projects_file):
    """Replace a question's projects from a JSON file {"projects": [...]} (draft only)."""
    body = _read_json(projects_file)
    with transaction(sessions()) as db:
        question = elections.put_projects(db, actor(), election_id, question_id, body)
        click.echo(f"{len(question.projects)} projects set on {election_id}/{question_id}.")


@elections_group.command("show")
@click.argument("election_id")
def elections_show(election_id):
    """Print the manifest, status and fingerprint as JSON."""
    with transaction(sessions()) as db:
        election = elections.get_election(db, election_id)
        body = elections.published_view(election)
    click.echo(json.dumps(body, ensure_ascii=False, indent=2))


@elections_group.command("status")
@click.argument("election_id")
@click.option("--json", "as_json", is_flag=True)
def elections_status(election_id, as_json):
    """Lifecycle status."""
    with transaction(sessions()) as db:
        view = elections.status_view(elections.get_election(db, election_id))
    if as_json:
        click.echo(json.dumps(view))
    else:
        click.echo(f"{view['id']}: {view['status']} (fingerprint {view['fingerprint'] or '-'})")


@elections_group.command("transition")
@click.argument("election_id")
@click.argument("target", type=click.Choice(["frozen", "open", "closed", "tallied",
                                             "certified"]))
@click.option("--force", is_flag=True,
              help="Close before the end of the vote (ends_at); needs --reason.")
@click.option("--reason", default=None, help="Why the vote closes early (kept in the audit "
                                             "log and shown in the status).")
def elections_transition(election_id, target, force, reason):
    """Move an election to its next state (idempotent)."""
    with transaction(sessions()) as db:
        result = elections.transition(db, actor(), election_id, target, key_dir=key_dir(),
                                      force=force, reason=reason)
        status = result.election.status
    click.echo(f"{election_id}: {status}" + ("" if result.changed else " (already)"))


main.lazy_commands.update({
    "voters": (".commands.voters:voters", "The voter roll of an election."),
    "credentials": (".commands.credentials:credentials",
                    "Voter credentials and invitation letters."),
    "pb": (".commands.pb:pb", "Participatory-budgeting rules and pabulib files."),
    "bench": (".commands.bench:bench",
              "Measure the service's costly operations on this machine."),
    "record": (".commands.record:record",
               "The public election record: export, witness (co-sign) a head."),
    "verify": (".commands.record:verify",
               "Verify a record file from the file alone (exit 1 names the first failure)."),
    "rehearse": (".commands.rehearse:rehearse",
                 "Rehearse a complete election, through the HTTP API of a real server started "
                 "for it, on the database of VOTING_DATABASE_URL; refuses a database holding "
                 "other elections unless --fresh."),
    "staff": (".commands.staff:staff", "Staff accounts: list, disable, enable, reset (lost "
                                       "authenticator), unlock."),
    "tokens": (".commands.tokens:tokens",
               "API tokens for machine clients (other cycle steps, kiosks)."),
})

if __name__ == "__main__":
    main()
