"""Elections with a small roll, for the voter-roll, register and login tests."""

from __future__ import annotations

import io
from datetime import date, timedelta

from tests.factories import advance, manifest_body, projects_body
from voting_service.domain import elections, voter_roll
from voting_service.domain.validation import iso
from voting_service.store.db import transaction
from voting_service.store.types import utcnow

HEADER = "numero_electeur;nom;prenoms;date_naissance;adresse;code_postal;quartier\n"
ROWS = (
    "V001;Martin;Camille;12/03/1980;3 rue des Lilas;45000;centre\n"
    "V002;Durand;Léo Paul;2001-07-30;8 avenue de la Gare;45000;gare\n"
    "V003;Petit;Zoé;01/01/2020;1 place du Marché;45000;gare\n"      # too young
    "V004;N'Diaye;Awa;15/05/1990;12 chemin du Lavoir;45100;\n"      # no district
)


def csv_bytes(text: str, bom: bool = False) -> io.BytesIO:
    data = text.encode("utf-8")
    return io.BytesIO((b"\xef\xbb\xbf" if bom else b"") + data)


def make_election(factory, slug="bp-test-2027", status="frozen"):
    """A test election whose voting window runs from a year ago to 200 days from now."""
    now = utcnow()
    body = manifest_body(slug, starts_at=iso(now - timedelta(days=365)),
                         ends_at=iso(now + timedelta(days=200)))
    with transaction(factory) as db:
        elections.create_election(db, "t", body)
        elections.put_projects(db, "t", slug, "gare", projects_body())
    for target in ("frozen", "open"):
        if status == "draft":
            break
        with transaction(factory) as db:
            advance(db, slug, target)
        if target == status:
            break
    return slug


def import_text(factory, slug, text, **kwargs):
    with transaction(factory) as db:
        election = elections.get_election(db, slug, lock=True)
        return voter_roll.import_roll(db, "t", election, csv_bytes(text), **kwargs)


def birth(day: str) -> date:
    return date.fromisoformat(day)
