"""ElGamal over ristretto255 (docs/protocol.md §4).

A ciphertext of message point M under public key Y with randomness r is
(α, β) = (r·G, M + r·Y). Ballots are fixed-width vectors of such ciphertexts, each
component with its own randomness (sharing randomness across components would reveal
the difference of the messages).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from .codec import only_fields, read_point
from .errors import DecodingError, ParameterError
from .group import Point, Rng, Scalar

@dataclass(frozen=True)
class Ciphertext:
    """(α, β) = (r·G, M + r·Y)."""

    alpha: Point
    beta: Point

    def __add__(self, other: Ciphertext) -> Ciphertext:
        """Homomorphic combination: encrypts the sum of the two messages."""
        return Ciphertext(self.alpha + other.alpha, self.beta + other.beta)

    def to_json(self) -> dict[str, str]:
        return {"alpha": self.alpha.hex(), "beta": self.beta.hex()}

    @classmethod
    def from_json(cls, obj: Any) -> Ciphertext:
        only_fields(obj, "alpha", "beta")
        return cls(read_point(obj, "alpha"), read_point(obj, "beta"))


#: A fixed-width vector of ciphertexts (one per embedded point).
CiphertextVector = tuple[Ciphertext, ...]


def vector_to_json(vector: Sequence[Ciphertext]) -> list[dict[str, str]]:
    return [c.to_json() for c in vector]


def vector_from_json(obj: Any, width: int | None = None) -> CiphertextVector:
    if not isinstance(obj, list) or not obj:
        raise DecodingError("a ciphertext vector is a non-empty list")
    if width is not None and len(obj) != width:
        raise DecodingError(f"expected a ciphertext vector of width {width}")
    return tuple(Ciphertext.from_json(c) for c in obj)


@dataclass(frozen=True)
class KeyPair:
    """An ElGamal (or signature) key pair; ``repr`` shows the public key only."""

    secret: Scalar = field(repr=False)
    public: Point

    @classmethod
    def generate(cls, rng: Rng | None = None) -> KeyPair:
        secret = Scalar.random_nonzero(rng)
        return cls(secret, Point.base_mul(secret))


def encrypt(public_key: Point, message: Point, randomness: Scalar) -> Ciphertext:
    if not randomness.value:
        raise ParameterError("encryption randomness must not be zero")
    return Ciphertext(Point.base_mul(randomness), message + public_key * randomness)


def encrypt_vector(public_key: Point, messages: Sequence[Point],
                   randomness: Sequence[Scalar]) -> CiphertextVector:
    if len(messages) != len(randomness):
        raise ParameterError("one randomness per message")
    return tuple(encrypt(public_key, m, r) for m, r in zip(messages, randomness))


def random_scalars(count: int, rng: Rng | None) -> list[Scalar]:
    return [Scalar.random_nonzero(rng) for _ in range(count)]


def reencrypt(public_key: Point, ciphertext: Ciphertext, randomness: Scalar) -> Ciphertext:
    """Same message, fresh look: (α + r'·G, β + r'·Y)."""
    return Ciphertext(ciphertext.alpha + Point.base_mul(randomness),
                      ciphertext.beta + public_key * randomness)


def decrypt(secret_key: Scalar, ciphertext: Ciphertext) -> Point:
    """M = β − x·α."""
    return ciphertext.beta - ciphertext.alpha * secret_key


def decrypt_with_randomness(public_key: Point, ciphertext: Ciphertext,
                            randomness: Scalar) -> Point:
    """M = β − r·Y, after checking α = r·G (the opening of a challenged ballot)."""
    if Point.base_mul(randomness) != ciphertext.alpha:
        raise ParameterError("the randomness does not open this ciphertext")
    return ciphertext.beta - public_key * randomness
