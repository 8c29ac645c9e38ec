"""The small, safe API of the cryptographic core (protocol.md §10).

Everything the rest of the service needs, with the primitives kept below: the key
ceremony, ballots, the shuffle, threshold decryption. Every ``verify_*`` returns None or
raises a subclass of ``CryptoError``; nothing here reads files or the network.
"""

from __future__ import annotations

from dataclasses import dataclass, field as dataclass_field
from typing import Any, Sequence

from . import embedding, encryption_proof, shuffle, signature, threshold
from .codec import field
from .dkg import Dealer, ElectionKey, TrusteeIdentity, TrusteeKey
from .elgamal import (CiphertextVector, decrypt_with_randomness, encrypt_vector, random_scalars,
                      vector_from_json, vector_to_json)
from .encryption_proof import EncryptionProof
from .errors import DecodingError, InvalidProofError, ParameterError
from .group import Point, Rng, Scalar, system_rng
from .shuffle import ShuffleProof
from .signature import Signature
from .threshold import Combination, PartialDecryption
from .transcript import Transcript

__all__ = [
    "Ballot", "BallotOpening", "make_trustee_identity", "make_trustee", "run_key_ceremony", "encrypt_ballot",
    "verify_ballot", "open_ballot", "shuffle_and_prove", "verify_shuffle",
    "partially_decrypt", "verify_partial_decryption", "verify_and_combine",
    "decode_plaintext", "ballot_message",
]


# --- key ceremony -----------------------------------------------------------------------

def make_trustee_identity(rng: Rng | None = None) -> TrusteeIdentity:
    """A trustee's long-term identity key pair. Register ``.public`` out of band (it is
    listed in the election record) before the ceremony; keep ``.secret`` with the trustee."""
    return TrusteeIdentity.generate(rng)


def make_trustee(index: int, threshold: int, count: int, election: bytes, *,
                 identity: TrusteeIdentity, identity_keys: Sequence[Point],
                 rng: Rng | None = None) -> Dealer:
    """Trustee ``index`` (1-based) of a t-of-n ceremony, signing with ``identity``;
    ``identity_keys`` are the registered public identity keys of trustees 1 … n.

    Publish ``.announcement``; collect all n announcements and call
    ``.deal(announcements)`` (which verifies them) to get the n signed share envelopes;
    finally ``.receive(announcements, shares) -> TrusteeKey``. A message altered in transit
    raises ``CeremonyAuthenticationError``; a dealer's own fault ``ShareVerificationError``;
    both name the dealer."""
    return Dealer(index, threshold, count, election, identity=identity,
                  identity_keys=identity_keys, rng=rng)


def run_key_ceremony(threshold: int, count: int, election: bytes, rng: Rng | None = None, *,
                     identities: Sequence[TrusteeIdentity] | None = None
                     ) -> tuple[ElectionKey, list[TrusteeKey]]:
    """All n trustees in one process (demonstrations, tests); real trustees each run their
    own ``make_trustee`` and exchange announcements and signed, encrypted shares.

    Without ``identities``, fresh identity keys are drawn (first, from ``rng``)."""
    if identities is None:
        identities = [make_trustee_identity(rng) for _ in range(count)]
    identity_keys = [i.public for i in identities]
    dealers = [make_trustee(i, threshold, count, election, identity=identities[i - 1],
                            identity_keys=identity_keys, rng=rng) for i in range(1, count + 1)]
    announcements = [d.announcement for d in dealers]
    shares = [s for d in dealers for s in d.deal(announcements, rng)]
    keys = [d.receive(announcements, shares) for d in dealers]
    return keys[0].election_key, keys


# --- ballots ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Ballot:
    """One question's encrypted answer, its proof of knowledge and its signature."""

    question: str
    ciphertexts: CiphertextVector
    proof: EncryptionProof
    signature: Signature

    @property
    def width(self) -> int:
        return len(self.ciphertexts)

    def to_json(self) -> dict[str, Any]:
        return {"question": self.question, "ciphertexts": vector_to_json(self.ciphertexts),
                "proof": self.proof.to_json(), "signature": self.signature.to_json()}

    @classmethod
    def from_json(cls, obj: Any, width: int | None = None) -> Ballot:
        ballot = cls(field(obj, "question", str),
                     vector_from_json(field(obj, "ciphertexts", list), width),
                     EncryptionProof.from_json(field(obj, "proof", dict)),
                     Signature.from_json(field(obj, "signature", dict)))
        if len(ballot.proof.responses) != ballot.width:
            raise DecodingError("proof width differs from the ciphertext width")
        return ballot


@dataclass(frozen=True)
class BallotOpening:
    """The encryption randomness, kept on the device: revealed only if the voter challenges
    the ballot (which then can never be cast). Kept out of ``repr``: it decrypts the
    ballot."""

    randomness: tuple[Scalar, ...] = dataclass_field(repr=False)

    def to_json(self) -> dict[str, Any]:
        return {"randomness": [r.hex() for r in self.randomness]}


def ballot_message(election: bytes, question: str, ciphertexts: CiphertextVector,
                   proof: EncryptionProof) -> bytes:
    """The 64 bytes that the ballot signature signs."""
    t = Transcript("ballot/body").bytes("election", election).text("question", question)
    t.points("ciphertexts", [p for c in ciphertexts for p in (c.alpha, c.beta)])
    return t.scalars("proof", [proof.challenge, *proof.responses]).output("message")


def encrypt_ballot(election_key: ElectionKey, election: bytes, question: str, plaintext: bytes,
                   width: int, *, credential: Point, signing_key: Scalar,
                   rng: Rng | None = None) -> tuple[Ballot, BallotOpening]:
    """Embed, encrypt, prove and sign a ballot.

    ``credential`` is the voter's public credential the proof is bound to; ``signing_key``
    is the credential secret online, or a kiosk's device key at a polling point.
    """
    rng = rng or system_rng
    pk = election_key.public_key
    messages = embedding.embed_bytes(plaintext, width)
    randomness = random_scalars(width, rng)
    ciphertexts = encrypt_vector(pk, messages, randomness)
    proof = encryption_proof.prove(election, pk, credential, question, ciphertexts,
                                   randomness, rng)
    sig = signature.sign(election, signing_key,
                         ballot_message(election, question, ciphertexts, proof), rng)
    return Ballot(question, ciphertexts, proof, sig), BallotOpening(tuple(randomness))


def verify_ballot(election_key: ElectionKey, election: bytes, ballot: Ballot, *,
                  question: str, width: int, credential: Point,
                  signer: Point | None = None) -> None:
    """Check that the ballot answers ``question`` with the question's fixed ``width``, the
    proof of knowledge (bound to ``credential``) and the signature (by ``signer``, the
    credential itself unless a kiosk key signed)."""
    if ballot.question != question:
        raise InvalidProofError(f"ballot answers question {ballot.question!r}, "
                                f"expected {question!r}")
    if ballot.width != width:
        raise InvalidProofError(f"ballot width {ballot.width}, expected {width}")
    encryption_proof.verify(election, election_key.public_key, credential, ballot.question,
                            ballot.ciphertexts, ballot.proof)
    signature.verify(election, signer or credential,
                     ballot_message(election, ballot.question, ballot.ciphertexts, ballot.proof),
                     ballot.signature)


def open_ballot(election_key: ElectionKey, ballot: Ballot, opening: BallotOpening) -> bytes:
    """Benaloh challenge: the plaintext, recovered from the revealed randomness."""
    if len(opening.randomness) != ballot.width:
        raise ParameterError("one randomness per ciphertext")
    points = [decrypt_with_randomness(election_key.public_key, c, r)
              for c, r in zip(ballot.ciphertexts, opening.randomness)]
    return embedding.extract_bytes(points)


# --- tally --------------------------------------------------------------------------------

def shuffle_and_prove(election_key: ElectionKey, election: bytes,
                      ciphertexts: Sequence[CiphertextVector], rng: Rng | None = None,
                      workers: int | None = None
                      ) -> tuple[list[CiphertextVector], ShuffleProof]:
    return shuffle.shuffle_and_prove(election, election_key.public_key, ciphertexts, rng,
                                     workers)


def verify_shuffle(election_key: ElectionKey, election: bytes,
                   inputs: Sequence[CiphertextVector], outputs: Sequence[CiphertextVector],
                   proof: ShuffleProof, workers: int | None = None) -> None:
    shuffle.verify(election, election_key.public_key, inputs, outputs, proof, workers)


def partially_decrypt(trustee_key: TrusteeKey, election: bytes,
                      ciphertexts: Sequence[CiphertextVector], rng: Rng | None = None,
                      workers: int | None = None) -> PartialDecryption:
    return threshold.partially_decrypt(trustee_key, election, ciphertexts, rng, workers)


def verify_partial_decryption(election_key: ElectionKey, election: bytes,
                              ciphertexts: Sequence[CiphertextVector],
                              partial: PartialDecryption, workers: int | None = None) -> None:
    threshold.verify_partial_decryption(election_key, election, ciphertexts, partial, workers)


def verify_and_combine(election_key: ElectionKey, election: bytes,
                       ciphertexts: Sequence[CiphertextVector],
                       partials: Sequence[PartialDecryption], workers: int | None = None
                       ) -> Combination:
    """Verify every partial decryption, drop the faulty ones, combine the rest.

    Returns ``(plaintexts, dropped)``: the plaintext points of each ciphertext vector and
    the ``PartialDecryptionError`` of each dropped trustee (``.trustee``, ``.position``).
    Raises ``NotEnoughSharesError`` naming them if fewer than t verified trustees remain.
    """
    return threshold.verify_and_combine(election_key, election, ciphertexts, partials, workers)


def decode_plaintext(points: Sequence[Point]) -> bytes:
    """The payload embedded in a decrypted vector (EmbeddingError if there is none)."""
    return embedding.extract_bytes(points)
