"""`voting-service tokens`: API tokens for machine clients (other cycle steps, kiosks)."""

from __future__ import annotations

import json

import click

from ..domain import staff as staff_domain
from ..store.db import transaction
from ..store.models import STAFF_ROLES
from ..store.types import utcnow
from .common import DomainAwareGroup, actor, sessions


@click.group(cls=DomainAwareGroup)
def tokens():
    """API tokens for machine clients (other cycle steps, kiosks)."""


@tokens.command("create")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(STAFF_ROLES))
@click.option("--scope", "scopes", multiple=True, help="Narrow to these permissions.")
@click.option("--days", default=365, show_default=True, type=click.IntRange(1, 3650))
def tokens_create(name, role, scopes, days):
    """Create a token; it is printed once and never stored in clear."""
    with transaction(sessions()) as db:
        token, clear = staff_domain.create_token(db, actor(), name, role, list(scopes), days)
        click.echo(f"Token {token.id} for {name} ({role}: {', '.join(token.scopes)}):")
    click.echo(clear)


@tokens.command("list")
@click.option("--all", "show_all", is_flag=True, help="Also revoked and expired tokens.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def tokens_list(show_all, as_json):
    """List tokens: id, name, role, status, expiry (never the tokens themselves)."""
    now = utcnow()
    with transaction(sessions()) as db:
        rows = [t for t in staff_domain.list_tokens(db) if show_all or t.status(now) == "active"]
    if as_json:
        click.echo(json.dumps([{
            "id": t.id, "name": t.name, "role": t.role, "scopes": t.scopes,
            "status": t.status(now), "created_by": t.created_by,
            "created_at": t.created_at.isoformat(),
            "expires_at": t.expires_at.isoformat() if t.expires_at else None,
            "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
        } for t in rows], ensure_ascii=False))
        return
    if not rows:
        click.echo("No token." if show_all else "No active token (--all lists the others).")
    for t in rows:
        expiry = t.expires_at.strftime("%Y-%m-%d") if t.expires_at else "never"
        click.echo(f"{t.id:>5}  {t.status(now):<8} {t.role:<15} expires {expiry}  {t.name}")


@tokens.command("revoke")
@click.argument("token_id", type=int)
def tokens_revoke(token_id):
    """Revoke a token."""
    with transaction(sessions()) as db:
        staff_domain.revoke_token(db, actor(), token_id)
    click.echo(f"Token {token_id} revoked.")
