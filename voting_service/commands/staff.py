"""`voting-service staff`: list, disable, enable, reset and unlock staff accounts.

Accounts are created with `voting-service create-staff`. Admins, trustees and officers log
in with a password and a TOTP code (domain/second_factor.py); `reset` is for a lost phone.
"""

from __future__ import annotations

import json

import click

from ..domain import staff as staff_domain
from ..store.db import transaction
from .common import DomainAwareGroup, actor, sessions


@click.group(cls=DomainAwareGroup)
def staff():
    """Staff accounts: list, disable, enable, reset (lost authenticator), unlock."""


@staff.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def staff_list(as_json):
    """Accounts with their role, state and second factor."""
    with transaction(sessions()) as db:
        rows = staff_domain.list_staff(db)
    if as_json:
        click.echo(json.dumps([{
            "username": r.username, "role": r.role, "name": r.display_name,
            "active": r.active, "second_factor": r.second_factor,
            "recovery_codes_left": r.recovery_codes_left,
            "last_login_at": r.last_login_at.isoformat() if r.last_login_at else None,
        } for r in rows], ensure_ascii=False))
        return
    if not rows:
        click.echo("No staff account.")
    for r in rows:
        last = r.last_login_at.strftime("%Y-%m-%d %H:%M") if r.last_login_at else "never"
        factor = r.second_factor + (f" ({r.recovery_codes_left} recovery codes)"
                                    if r.second_factor == "enrolled" else "")
        click.echo(f"{r.username:<20} {r.role:<15} {'active' if r.active else 'DISABLED':<9}"
                   f" second factor: {factor:<32} last login: {last}")


@staff.command("disable")
@click.argument("username")
def staff_disable(username):
    """Disable an account and end its sessions at once."""
    with transaction(sessions()) as db:
        changed = staff_domain.set_active(db, actor(), username, False)
    click.echo(f"{username}: disabled" + ("" if changed else " (already)"))


@staff.command("enable")
@click.argument("username")
def staff_enable(username):
    """Enable a disabled account again."""
    with transaction(sessions()) as db:
        changed = staff_domain.set_active(db, actor(), username, True)
    click.echo(f"{username}: enabled" + ("" if changed else " (already)"))


@staff.command("reset")
@click.argument("username")
@click.option("--password", "new_password", is_flag=True,
              help="Also set a new password (VOTING_STAFF_PASSWORD, else asked for).")
def staff_reset(username, new_password):
    """A lost authenticator: forget the account's second factor and recovery codes (the
    next login enrols a new app) and end its sessions."""
    password = None
    if new_password:
        import os

        password = os.environ.get("VOTING_STAFF_PASSWORD") or click.prompt(
            "New password", hide_input=True, confirmation_prompt=True)
    with transaction(sessions()) as db:
        staff_domain.reset(db, actor(), username, password)
    click.echo(f"{username}: second factor reset" + (", new password set" if password else "")
               + "; the next login enrols a new authenticator.")


@staff.command("unlock")
@click.argument("username")
def staff_unlock(username):
    """Lift the login delays on an account, from every address."""
    with transaction(sessions()) as db:
        count = staff_domain.unlock(db, actor(), username)
    click.echo(f"{username}: unlocked ({count} address(es) had failed attempts)")
