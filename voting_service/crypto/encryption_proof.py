"""Proof of knowledge of the randomness of a ciphertext vector (protocol.md §6.3).

Statement: a vector (α_k, β_k), k = 1..w, with α_k = r_k·G, under election public key Y,
bound to the voter's public credential P and to the question. Transcript: domain
"ballot/encryption-proof", bytes "election", point "public_key" Y, point "credential" P,
text "question", points "ciphertexts" (α_1, β_1, …, α_w, β_w), points "commitments"
(A_1 … A_w) with A_k = u_k·G, challenge "c". Proof (c, s_1 … s_w), s_k = u_k + c·r_k,
the nonces u_k hedged with r_1 … r_w (nonce.py).
Verification: A'_k = s_k·G − c·α_k and c must equal the recomputed challenge.

Because P is hashed, a proof copied onto another voter's credential fails: this is what
stops a ballot from being replayed under someone else's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from .codec import field, only_fields, read_scalar, scalars_from_hex
from .elgamal import Ciphertext
from .errors import DecodingError, InvalidProofError, ParameterError
from .group import Point, Rng, Scalar
from .nonce import hedged
from .transcript import Transcript


@dataclass(frozen=True)
class EncryptionProof:
    challenge: Scalar
    responses: tuple[Scalar, ...]

    def to_json(self) -> dict[str, Any]:
        return {"c": self.challenge.hex(), "s": [s.hex() for s in self.responses]}

    @classmethod
    def from_json(cls, obj: Any) -> EncryptionProof:
        only_fields(obj, "c", "s")
        responses = scalars_from_hex(field(obj, "s", list))
        if not responses:
            raise DecodingError("an encryption proof has at least one response")
        return cls(read_scalar(obj, "c"), responses)


def _statement(election: bytes, public_key: Point, credential: Point, question: str,
               vector: Sequence[Ciphertext]) -> Transcript:
    t = Transcript("ballot/encryption-proof").bytes("election", election)
    t.point("public_key", public_key).point("credential", credential).text("question", question)
    return t.points("ciphertexts", [p for c in vector for p in (c.alpha, c.beta)])


def _challenge(election: bytes, public_key: Point, credential: Point, question: str,
               vector: Sequence[Ciphertext], commitments: Sequence[Point]) -> Scalar:
    statement = _statement(election, public_key, credential, question, vector)
    return statement.points("commitments", commitments).challenge("c")


def prove(election: bytes, public_key: Point, credential: Point, question: str,
          vector: Sequence[Ciphertext], randomness: Sequence[Scalar],
          rng: Rng | None = None) -> EncryptionProof:
    if len(vector) != len(randomness):
        raise ParameterError("one randomness per ciphertext")
    stream = hedged(rng, _statement(election, public_key, credential, question, vector),
                    randomness)
    nonces = [Scalar.random_nonzero(stream) for _ in vector]
    commitments = [Point.base_mul(u) for u in nonces]
    c = _challenge(election, public_key, credential, question, vector, commitments)
    return EncryptionProof(c, tuple(u + c * r for u, r in zip(nonces, randomness)))


def verify(election: bytes, public_key: Point, credential: Point, question: str,
           vector: Sequence[Ciphertext], proof: EncryptionProof) -> None:
    if len(proof.responses) != len(vector):
        raise InvalidProofError("encryption proof width does not match the ciphertexts")
    minus_c = -proof.challenge
    commitments = [Point.base_mul(s) + ct.alpha * minus_c
                   for s, ct in zip(proof.responses, vector)]
    if _challenge(election, public_key, credential, question, vector, commitments) != proof.challenge:
        raise InvalidProofError("encryption proof does not verify")
