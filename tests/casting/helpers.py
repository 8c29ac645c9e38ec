"""An open election with voters whose letter codes the test knows, and a device that
encrypts and signs their ballots as the browser booth and the kiosk will."""

from __future__ import annotations

import json
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.factories import advance
from tests.voters_helpers import HEADER, ROWS, import_text, make_election
from voting_service.crypto import ballot as ballots
from voting_service.crypto.credential import derive_credential, generate_letter_code
from voting_service.crypto.dkg import ElectionKey
from voting_service.crypto.rng import SeededRng
from voting_service.domain import elections
from voting_service.domain.voter_auth import hash_login_token
from voting_service.letters.checkin_code import make_checkin_payload, new_checkin_secret
from voting_service.pb.encoding import encode
from voting_service.record.questions import question_specs
from voting_service.store.db import transaction
from voting_service.store.models import Credential, Election, Voter


@dataclass
class VoterDevice:
    number: str
    code: str
    qr: str
    credential: object  # crypto.credential.Credential

    @property
    def public(self) -> str:
        return self.credential.public.hex()


@dataclass
class OpenElection:
    slug: str
    fingerprint: bytes
    key: ElectionKey
    manifest: dict
    voters: dict[str, VoterDevice]

    def specs(self):
        return question_specs(self.manifest)

    def plaintext(self, question: str, choice) -> bytes:
        return encode(self.specs()[question].format, choice)

    def encrypt(self, voter: VoterDevice, question: str, choice=(), *, seq=1,
                prev=ballots.ZERO_TRACKER, checkin=None, seed=None):
        spec = self.specs()[question]
        rng = SeededRng(seed) if seed is not None else None
        return ballots.encrypt(self.key, self.fingerprint, question,
                               self.plaintext(question, choice), spec.width,
                               credential=voter.credential.public, seq=seq, prev=prev,
                               checkin=checkin, rng=rng,
                               # Only the voter's own device holds the secret; a kiosk has none.
                               secret=voter.credential.secret if checkin is None else None)

    def online_ballot(self, voter: VoterDevice, question: str, choice=(), **kw):
        ballot, _ = self.encrypt(voter, question, choice, **kw)
        return ballots.sign_online(self.fingerprint, ballot, voter.credential.secret)

    def tracker(self, ballot) -> bytes:
        return ballots.tracker(self.fingerprint, ballot)


def new_kiosk_key() -> tuple[Ed25519PrivateKey, str]:
    key = Ed25519PrivateKey.generate()
    return key, key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def give_credentials(factory, slug: str, numbers=("V001", "V002", "V004")) -> dict:
    """Credentials with known codes, stored as issuance stores them (no letters printed)."""
    devices = {}
    with transaction(factory) as db:
        election = elections.get_election(db, slug)
        fingerprint = bytes.fromhex(election.fingerprint)
        for number in numbers:
            voter = db.query(Voter).filter_by(election_id=election.id,
                                              voter_number=number).one()
            code = generate_letter_code()
            credential = derive_credential(code, fingerprint)
            secret = new_checkin_secret()
            qr = make_checkin_payload(slug, number, secret)
            from voting_service.letters.checkin_code import parse_checkin_payload

            db.add(Credential(election_id=election.id, voter_id=voter.id,
                              public_key=credential.public.hex(), questions=voter.questions,
                              status="active",
                              checkin_hash=parse_checkin_payload(qr).secret_hash))
            voter.login_hash = hash_login_token(credential.login_token)
            devices[number] = VoterDevice(number, code, qr, credential)
        election.credential_path = "server"
    return devices


def open_election(factory, key_dir, slug="bp-vote-2027") -> OpenElection:
    make_election(factory, slug, status="draft")
    import_text(factory, slug, HEADER + ROWS)
    with transaction(factory) as db:
        advance(db, slug, "frozen", key_dir)
    devices = give_credentials(factory, slug)
    with transaction(factory) as db:
        advance(db, slug, "open", key_dir)
        election = db.query(Election).filter_by(slug=slug).one()
        return OpenElection(slug, bytes.fromhex(election.fingerprint),
                            ElectionKey.from_json(json.loads(election.election_key)),
                            json.loads(election.manifest_canonical), devices)
