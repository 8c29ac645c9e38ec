"""Ballots, version 2 (protocol.md §10): one question's encrypted answer, bound to the
voter's public credential and ordered in that credential's chain.

The signed body carries ``seq`` (1, 2, … per credential and question) and ``prev`` (the
tracker of the same credential's previous ballot for that question, or 32 zero bytes), so an
older ballot can never be made to count again: the verifier counts the last ballot of each
chain and refuses forks. A kiosk ballot instead names its ``checkin`` (the hash of the
check-in event it is bound to), has ``seq`` 1 and a zero ``prev``, and is signed with the
kiosk's Ed25519 device key (a WebCrypto key that never leaves the kiosk browser) instead
of the credential secret, which the kiosk never sees.

The **tracker** is drawn from the same transcript as the signed message, over every field
but the signature: the device shows it before the voter decides to cast (and sign) or to
challenge the ballot, and a challenged ballot keeps the tracker it was shown with.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (Ed25519PrivateKey,
                                                               Ed25519PublicKey)

from . import embedding, encryption_proof, signature
from .codec import field, only_fields, read_bytes_hex, read_int, read_point
from .dkg import ElectionKey
from .elgamal import (CiphertextVector, decrypt_with_randomness, encrypt_vector, random_scalars,
                      vector_from_json, vector_to_json)
from .encryption_proof import EncryptionProof
from .errors import DecodingError, InvalidProofError, InvalidSignatureError, ParameterError
from .group import Point, Rng, Scalar
from .nonce import hedged
from .signature import Signature
from .transcript import Transcript

VERSION = 2
TRACKER_BYTES = 32
ZERO_TRACKER = bytes(TRACKER_BYTES)
ED25519_SIGNATURE_BYTES = 64
_FIELDS = ("version", "question", "credential", "seq", "prev", "checkin", "ciphertexts",
           "proof", "signature")


@dataclass(frozen=True)
class Ballot:
    """One question's ballot. ``signature`` is None until the voter casts: a Schnorr
    signature under the credential online, 64 Ed25519 bytes from a kiosk."""

    question: str
    credential: Point
    seq: int
    prev: bytes
    checkin: bytes | None
    ciphertexts: CiphertextVector
    proof: EncryptionProof
    signature: Signature | bytes | None = None

    @property
    def width(self) -> int:
        return len(self.ciphertexts)

    @property
    def channel(self) -> str:
        return "online" if self.checkin is None else "kiosk"

    def body_json(self) -> dict[str, Any]:
        return {"version": VERSION, "question": self.question,
                "credential": self.credential.hex(), "seq": self.seq, "prev": self.prev.hex(),
                "checkin": None if self.checkin is None else self.checkin.hex(),
                "ciphertexts": vector_to_json(self.ciphertexts), "proof": self.proof.to_json()}

    def to_json(self) -> dict[str, Any]:
        body = self.body_json()
        if self.signature is None:
            body["signature"] = None
        elif isinstance(self.signature, bytes):
            body["signature"] = self.signature.hex()
        else:
            body["signature"] = self.signature.to_json()
        return body

    @classmethod
    def from_json(cls, obj: Any, width: int | None = None) -> Ballot:
        """Strict reader: unknown fields, a wrong version, a malformed field are refused."""
        only_fields(obj, *_FIELDS)
        if field(obj, "version", int) != VERSION:
            raise DecodingError(f"ballot version {obj['version']!r}, expected {VERSION}")
        prev = read_bytes_hex(obj, "prev")
        if len(prev) != TRACKER_BYTES:
            raise DecodingError("prev is a 32-byte tracker")
        checkin = None
        if obj.get("checkin", "missing") is not None:
            checkin = read_bytes_hex(obj, "checkin")
            if len(checkin) != TRACKER_BYTES:
                raise DecodingError("checkin is a 32-byte event hash")
        if "signature" not in obj:
            raise DecodingError("missing field 'signature'")
        raw_signature = obj["signature"]
        if raw_signature is None:
            sig = None
        elif checkin is None:
            sig = Signature.from_json(field(obj, "signature", dict))
        else:
            sig = read_bytes_hex(obj, "signature")
            if len(sig) != ED25519_SIGNATURE_BYTES:
                raise DecodingError("a kiosk signature is 64 bytes")
        ballot = cls(field(obj, "question", str), read_point(obj, "credential"),
                     _seq(obj), prev, checkin,
                     vector_from_json(field(obj, "ciphertexts", list), width),
                     EncryptionProof.from_json(field(obj, "proof", dict)), sig)
        if len(ballot.proof.responses) != ballot.width:
            raise DecodingError("proof width differs from the ciphertext width")
        if checkin is not None and (ballot.seq != 1 or prev != ZERO_TRACKER):
            raise DecodingError("a kiosk ballot has seq 1 and a zero prev")
        return ballot


def _seq(obj: dict) -> int:
    seq = read_int(obj, "seq", minimum=1)
    if seq >= 2**64:
        raise DecodingError("seq is below 2^64 (a transcript integer)")
    return seq


@dataclass(frozen=True)
class BallotOpening:
    """The encryption randomness, kept on the device: revealed only if the voter challenges
    the ballot (which then can never be cast)."""

    randomness: tuple[Scalar, ...]

    def __repr__(self) -> str:
        return f"BallotOpening(<{len(self.randomness)} secret scalars>)"

    def to_json(self) -> dict[str, Any]:
        return {"randomness": [r.hex() for r in self.randomness]}

    @classmethod
    def from_json(cls, obj: Any) -> BallotOpening:
        from .codec import scalars_from_hex

        if not isinstance(obj, dict) or set(obj) != {"randomness"}:
            raise DecodingError("an opening is {\"randomness\": [...]}")
        return cls(scalars_from_hex(obj["randomness"]))


def _body(election: bytes, ballot: Ballot) -> Transcript:
    t = Transcript("ballot/body/v2").bytes("election", election).text("question", ballot.question)
    t.point("credential", ballot.credential).integer("seq", ballot.seq)
    t.bytes("prev", ballot.prev).bytes("checkin", ballot.checkin or b"")
    t.points("ciphertexts", [p for c in ballot.ciphertexts for p in (c.alpha, c.beta)])
    return t.scalars("proof", [ballot.proof.challenge, *ballot.proof.responses])


def ciphertexts_digest(ballot: Ballot) -> str:
    """SHA-256 (hex) of the ciphertexts' encodings: a challenged encryption can never be cast
    again, even inside a ballot with another tracker (protocol.md §11.1)."""
    return hashlib.sha256(b"".join(p.to_bytes() for c in ballot.ciphertexts
                                   for p in (c.alpha, c.beta))).hexdigest()


def message(election: bytes, ballot: Ballot) -> bytes:
    """The 64 bytes that the signature signs."""
    return _body(election, ballot).output("message")


def tracker(election: bytes, ballot: Ballot) -> bytes:
    """The ballot's public 32-byte tracker (independent of the signature)."""
    return _body(election, ballot).output("tracker")[:TRACKER_BYTES]


def _randomness_statement(election: bytes, public_key: Point, question: str, credential: Point,
                          seq: int, prev: bytes, checkin: bytes | None, plaintext: bytes,
                          width: int) -> Transcript:
    """Everything the encryption depends on (protocol.md §10.8), so that a repeated RNG
    output still gives unrelated randomness to any other ballot."""
    t = Transcript("ballot/randomness").bytes("election", election)
    t.point("public_key", public_key).text("question", question)
    t.point("credential", credential).integer("seq", seq).bytes("prev", prev)
    t.bytes("checkin", checkin or b"").bytes("plaintext", plaintext)
    return t.integer("width", width)


def encrypt(election_key: ElectionKey, election: bytes, question: str, plaintext: bytes,
            width: int, *, credential: Point, seq: int = 1, prev: bytes = ZERO_TRACKER,
            checkin: bytes | None = None, secret: Scalar | None = None,
            rng: Rng | None = None) -> tuple[Ballot, BallotOpening]:
    """Embed, encrypt and prove; the ballot is unsigned until the voter casts it.

    The randomness is hedged (§10.8): an RNG that repeats would otherwise give two ballots
    the same r, and challenging one (which reveals r) would decrypt the other. ``secret``
    is the credential secret, which an online device holds and mixes in; a kiosk has none.
    """
    if seq < 1 or len(prev) != TRACKER_BYTES:
        raise ParameterError("seq starts at 1; prev is a 32-byte tracker")
    if checkin is not None and (len(checkin) != TRACKER_BYTES or seq != 1
                                or prev != ZERO_TRACKER):
        raise ParameterError("a kiosk ballot names a 32-byte check-in, with seq 1, zero prev")
    pk = election_key.public_key
    statement = _randomness_statement(election, pk, question, credential, seq, prev, checkin,
                                      plaintext, width)
    randomness = random_scalars(width, hedged(rng, statement, [] if secret is None else [secret]))
    ciphertexts = encrypt_vector(pk, embedding.embed_bytes(plaintext, width), randomness)
    proof = encryption_proof.prove(election, pk, credential, question, ciphertexts,
                                   randomness, rng)
    return (Ballot(question, credential, seq, prev, checkin, ciphertexts, proof),
            BallotOpening(tuple(randomness)))


def sign_online(election: bytes, ballot: Ballot, secret: Scalar, rng: Rng | None = None
                ) -> Ballot:
    if ballot.checkin is not None:
        raise ParameterError("a kiosk ballot is signed with the kiosk key")
    sig = signature.sign(election, secret, message(election, ballot), rng)
    return _with_signature(ballot, sig)


def sign_kiosk(election: bytes, ballot: Ballot, kiosk_key: Ed25519PrivateKey) -> Ballot:
    if ballot.checkin is None:
        raise ParameterError("an online ballot is signed with the credential secret")
    return _with_signature(ballot, kiosk_key.sign(message(election, ballot)))


def _with_signature(ballot: Ballot, sig) -> Ballot:
    return Ballot(ballot.question, ballot.credential, ballot.seq, ballot.prev, ballot.checkin,
                  ballot.ciphertexts, ballot.proof, sig)


def verify(election_key: ElectionKey, election: bytes, ballot: Ballot, *, question: str,
           width: int, kiosk_key: bytes | None = None, signed: bool = True) -> None:
    """Check the question and its fixed width, the proof of knowledge (bound to the ballot's
    credential) and, when ``signed``, the signature: by the credential online, by
    ``kiosk_key`` (32 raw Ed25519 bytes) for a kiosk ballot."""
    if ballot.question != question:
        raise InvalidProofError(f"ballot answers question {ballot.question!r}, "
                                f"expected {question!r}")
    if ballot.width != width:
        raise InvalidProofError(f"ballot width {ballot.width}, expected {width}")
    encryption_proof.verify(election, election_key.public_key, ballot.credential,
                            ballot.question, ballot.ciphertexts, ballot.proof)
    if not signed:
        if ballot.signature is not None:
            raise InvalidSignatureError("a challenged ballot is published unsigned")
        return
    if ballot.signature is None:
        raise InvalidSignatureError("the ballot is not signed")
    if ballot.checkin is None:
        signature.verify(election, ballot.credential, message(election, ballot),
                         ballot.signature)
        return
    if kiosk_key is None:
        raise InvalidSignatureError("a kiosk ballot needs the kiosk's key to be checked")
    try:
        Ed25519PublicKey.from_public_bytes(kiosk_key).verify(ballot.signature,
                                                             message(election, ballot))
    except (InvalidSignature, ValueError):
        raise InvalidSignatureError("kiosk signature does not verify") from None


def open_ballot(election_key: ElectionKey, ballot: Ballot, opening: BallotOpening) -> bytes:
    """Benaloh challenge: the plaintext, recovered from the revealed randomness. Raises
    InvalidProofError if the randomness does not reproduce the ciphertexts."""
    if len(opening.randomness) != ballot.width:
        raise ParameterError("one randomness per ciphertext")
    pk = election_key.public_key
    points = []
    for c, r in zip(ballot.ciphertexts, opening.randomness):
        if Point.base_mul(r) != c.alpha:
            raise InvalidProofError("the opening does not match the ciphertexts")
        points.append(decrypt_with_randomness(pk, c, r))
    return embedding.extract_bytes(points)
