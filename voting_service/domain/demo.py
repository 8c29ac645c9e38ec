"""The demo election of a fictional French city, loaded by `voting-service demo`."""

from __future__ import annotations

import io
import json
import os
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from ..crypto.recipes import run_key_ceremony
from ..store.db import transaction
from ..store.models import Election, Staff
from ..store.types import utcnow
from . import credentials, elections, staff, voter_roll
from .validation import iso

DEMO_SLUG = "val-sur-loirette-2027"
DEMO_ACTOR = "system:demo"

# Demo-only accounts, printed by `make run`. Never used outside development mode.
DEMO_STAFF = (
    ("admin", "admin", "Service démocratie locale", "demo-admin-2027"),
    ("agent", "officer", "Agent du bureau de vote", "demo-agent-2027"),
    ("garant", "trustee", "Garante citoyenne", "demo-garant-2027"),
    ("auditeur", "auditor", "Direction des systèmes d'information", "demo-audit-2027"),
    ("cabinet", "results_reader", "Cabinet du maire", "demo-cabinet-2027"),
)


def logins_text(logins) -> str:
    """The demo logins as `make run` prints them."""
    lines = ["Demo staff logins (development only; admin, agent and garant enrol an "
             "authenticator app at their first login):"]
    lines += [f"  {username:<10} {role:<15} {password}" for username, role, password in logins]
    return "\n".join(lines)


def _project(key, title, cost, category, summary, district=None):
    return {"id": key, "title": title, "cost": cost, "category": category,
            "summary": summary, "district": district, "external_ref": f"ETUDE-{key}"}


def demo_manifest() -> dict:
    start = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    return {
        "id": DEMO_SLUG,
        "title": "Budget participatif 2027",
        "city": "Val-sur-Loirette",
        "starts_at": iso(start),
        "ends_at": iso(start + timedelta(days=30)),
        "districts": [{"id": "nord", "name": "Quartier Nord"},
                      {"id": "sud", "name": "Quartier Sud"}],
        "polling_points": [
            {"id": "mairie", "name": "Hôtel de ville", "address": "1 place de la Mairie"},
            {"id": "mediatheque", "name": "Médiathèque Louise-Michel",
             "address": "12 rue des Tilleuls"},
        ],
        "questions": [
            {
                "id": "ville", "title": "Projets pour toute la ville", "district": None,
                "budget": 600_000, "currency": "EUR",
                "format": {"kind": "budget", "cap": None},
                "rule": {"rule": "mes", "satisfaction": "cost", "tie_break": "lexicographic"},
                "projects": [
                    _project("V1", "Pistes cyclables le long de la Loirette", 240_000,
                             "Mobilité", "Relier les deux rives par 4 km de piste protégée."),
                    _project("V2", "Cent arbres dans les cours d'école", 90_000,
                             "Environnement", "Déminéraliser et ombrager six cours."),
                    _project("V3", "Fontaines à boire", 45_000, "Santé",
                             "Dix fontaines d'eau potable sur les places."),
                    _project("V4", "Tiers-lieu numérique", 180_000, "Solidarité",
                             "Ateliers et accompagnement aux démarches en ligne."),
                    _project("V5", "Bancs et toilettes publiques", 120_000, "Cadre de vie",
                             "Des haltes accessibles tous les 300 m en centre-ville."),
                    _project("V6", "Festival des quartiers", 60_000, "Culture",
                             "Un week-end de spectacles gratuits chaque été."),
                ],
            },
            {
                "id": "nord", "title": "Projets du Quartier Nord", "district": "nord",
                "budget": 150_000, "currency": "EUR",
                "format": {"kind": "approval", "min": 0, "max": 2},
                "rule": {"rule": "greedy", "tie_break": "lexicographic"},
                "projects": [
                    _project("N1", "Aire de jeux inclusive", 85_000, "Cadre de vie",
                             "Jeux accessibles aux enfants en fauteuil.", "nord"),
                    _project("N2", "Jardins partagés", 30_000, "Environnement",
                             "Vingt parcelles près du gymnase.", "nord"),
                    _project("N3", "Éclairage du chemin du lavoir", 55_000, "Sécurité",
                             "Un éclairage sobre à détection de présence.", "nord"),
                ],
            },
            {
                "id": "sud", "title": "Projets du Quartier Sud", "district": "sud",
                "budget": 150_000, "currency": "EUR",
                "format": {"kind": "approval", "min": 0, "max": 2},
                "rule": {"rule": "greedy", "tie_break": "lexicographic"},
                "projects": [
                    _project("S1", "Terrain multisport", 110_000, "Sport",
                             "Un city-stade ouvert à toutes et tous.", "sud"),
                    _project("S2", "Boîte à livres et kiosque", 15_000, "Culture",
                             "Près de l'arrêt de bus des Peupliers.", "sud"),
                    _project("S3", "Ralentisseurs rue des Écoles", 40_000, "Sécurité",
                             "Sécuriser le trajet vers l'école.", "sud"),
                ],
            },
        ],
    }


def demo_election_key(fingerprint: str, key_dir: Path) -> dict:
    """A 2-of-3 key from a ceremony run in this process, for the demo only: the trustees'
    shares are written beside the service keys (0600) so a demo tally can use them."""
    election_key, trustee_keys = run_key_ceremony(2, 3, bytes.fromhex(fingerprint))
    for trustee in trustee_keys:
        path = Path(key_dir) / f"demo-trustee-{trustee.trustee}.json"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump({"trustee": trustee.trustee, "share": trustee.share.hex(),
                       "election_key": election_key.to_json()}, handle)
    return election_key.to_json()


# Twelve fictional voters of the two districts (postcodes 45100 nord, 45200 sud), of every
# age the letters and check-in must serve; one is too young to vote (eligibility).
DEMO_ROLL = """numero_electeur;nom;prenoms;date_naissance;adresse;code_postal;quartier
VL0001;Lefèvre;Camille;14/03/1958;3 rue des Lilas;45100;Quartier Nord
VL0002;Nguyen;Thi Mai;02/11/1987;8 allée des Saules;45100;Quartier Nord
VL0003;Diallo;Mamadou;21/06/2001;12 rue du Lavoir;45100;Quartier Nord
VL0004;Martin;Jeanne;30/01/1941;1 place de l'Église;45100;Quartier Nord
VL0005;Ferreira;João Pedro;09/09/1975;27 rue Haute;45100;Quartier Nord
VL0006;Benali;Yasmine;17/05/1994;5 impasse des Tilleuls;45100;Quartier Nord
VL0007;Dubois;Lucas;11/12/1969;40 avenue de la Gare;45200;Quartier Sud
VL0008;Kowalski;Anna;03/04/1982;2 rue des Écoles;45200;Quartier Sud
VL0009;Moreau;Élise;25/07/2008;18 rue des Peupliers;45200;Quartier Sud
VL0010;Traoré;Awa;08/02/1999;9 chemin du Moulin;45200;Quartier Sud
VL0011;Garcia;Hugo;19/10/1953;33 rue Neuve;45200;Quartier Sud
VL0012;Petit;Noé;{young};6 rue des Peupliers;45200;Quartier Sud
"""


def demo_roll() -> bytes:
    """The demo roll; Noé turns 15 this year, below the demo's minimum age of 16."""
    return DEMO_ROLL.format(young=f"01/01/{utcnow().year - 15}").encode("utf-8")


def load_demo(factory: sessionmaker, key_dir: Path, letters_dir: Path, online_url: str
              ) -> tuple[bool, list[tuple[str, str, str]]]:
    """Create the demo election and staff, unless they exist: the roll is imported, the
    election frozen and keyed, a credential and an invitation letter (PDF, in
    ``letters_dir``) issued to every eligible voter, then the vote opens, so a newcomer can
    try the voter journeys with the letters' codes and QR codes."""
    created = False
    with transaction(factory) as session:
        exists = session.execute(select(Election.id).where(Election.slug == DEMO_SLUG)).first()
        if exists is None:
            election = elections.create_election(session, DEMO_ACTOR, demo_manifest())
            voter_roll.import_roll(session, DEMO_ACTOR, election, io.BytesIO(demo_roll()),
                                   all_or_nothing=True)
            election = elections.transition(session, DEMO_ACTOR, DEMO_SLUG, "frozen",
                                            key_dir=key_dir).election
            elections.set_election_key(session, DEMO_ACTOR, DEMO_SLUG,
                                       demo_election_key(election.fingerprint, key_dir))
            created = True
    if created:
        credentials.issue_credentials(factory, DEMO_ACTOR, DEMO_SLUG, letters_dir, online_url,
                                      workers=1)
        with transaction(factory) as session:
            elections.transition(session, DEMO_ACTOR, DEMO_SLUG, "open", key_dir=key_dir)
    logins = []
    with transaction(factory) as session:
        for username, role, display_name, password in DEMO_STAFF:
            exists = session.execute(select(Staff.id).where(Staff.username == username)).first()
            if exists is None:
                staff.create_staff(session, DEMO_ACTOR, username, role, password, display_name)
            logins.append((username, role, password))
    return created, logins
