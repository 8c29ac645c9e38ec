"""Pedersen distributed key generation, t of n, with Feldman commitments (protocol.md §7).

Trustees are numbered 1 … n. Each trustee i, acting as dealer:

1. draws a polynomial f_i(z) = a_{i,0} + a_{i,1}·z + … + a_{i,t−1}·z^{t−1} and an X25519
   transport key pair, and publishes an ``Announcement``: its transport public key, the
   Feldman commitments C_{i,k} = a_{i,k}·G and a Schnorr proof of knowledge of a_{i,0};
2. sends every trustee j (itself included) the share f_i(j), encrypted to j's transport
   key (``EncryptedShare``: ephemeral X25519 key, HKDF-SHA512, ChaCha20-Poly1305).

Each recipient j decrypts its n shares and checks s_{i,j}·G = Σ_k j^k·C_{i,k}; a share
that fails to decrypt or to match names its dealer (``ShareVerificationError.dealer``).
Its secret share is x_j = Σ_i s_{i,j}. Publicly, the election key is Y = Σ_i C_{i,0}
and trustee j's verification key is X_j = Σ_k j^k·(Σ_i C_{i,k}) = x_j·G.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from . import schnorr
from .codec import field, points_from_hex, read_bytes_hex, read_int, read_point
from .errors import DecodingError, InvalidProofError, ParameterError, ShareVerificationError
from .group import Point, Rng, Scalar, system_rng
from .schnorr import SchnorrProof
from .transcript import Transcript

_NONCE = bytes(12)  # every share key is used once (fresh ephemeral key), so a fixed nonce is safe


def check_parameters(threshold: int, count: int) -> None:
    if not 1 <= threshold <= count:
        raise ParameterError("need 1 <= threshold <= count")
    if count >= 2**16:
        raise ParameterError("at most 65535 trustees")


@dataclass(frozen=True)
class Announcement:
    """What dealer i publishes: transport key, Feldman commitments, proof of knowledge."""

    dealer: int
    transport_key: bytes
    commitments: tuple[Point, ...]
    proof: SchnorrProof

    def to_json(self) -> dict[str, Any]:
        return {"dealer": self.dealer, "transport_key": self.transport_key.hex(),
                "commitments": [c.hex() for c in self.commitments],
                "proof": self.proof.to_json()}

    @classmethod
    def from_json(cls, obj: Any) -> Announcement:
        key = read_bytes_hex(obj, "transport_key")
        if len(key) != 32:
            raise DecodingError("a transport key is 32 bytes")
        commitments = points_from_hex(field(obj, "commitments", list))
        if not commitments:
            raise DecodingError("at least one commitment")
        return cls(read_int(obj, "dealer", minimum=1), key, commitments,
                   SchnorrProof.from_json(field(obj, "proof", dict)))


@dataclass(frozen=True)
class EncryptedShare:
    """f_dealer(recipient), encrypted to the recipient's transport key."""

    dealer: int
    recipient: int
    ephemeral_key: bytes
    ciphertext: bytes

    def to_json(self) -> dict[str, Any]:
        return {"dealer": self.dealer, "recipient": self.recipient,
                "ephemeral_key": self.ephemeral_key.hex(), "ciphertext": self.ciphertext.hex()}

    @classmethod
    def from_json(cls, obj: Any) -> EncryptedShare:
        share = cls(read_int(obj, "dealer", minimum=1), read_int(obj, "recipient", minimum=1),
                    read_bytes_hex(obj, "ephemeral_key"), read_bytes_hex(obj, "ciphertext"))
        if len(share.ephemeral_key) != 32 or len(share.ciphertext) != 48:
            raise DecodingError("ephemeral key is 32 bytes, ciphertext 48 bytes")
        return share


@dataclass(frozen=True)
class ElectionKey:
    """The public result of the ceremony: Y, t, n and every trustee's verification key."""

    public_key: Point
    threshold: int
    verification_keys: tuple[Point, ...]  # X_1 … X_n

    @property
    def count(self) -> int:
        return len(self.verification_keys)

    def verification_key(self, trustee: int) -> Point:
        if not 1 <= trustee <= self.count:
            raise ParameterError(f"no trustee {trustee}")
        return self.verification_keys[trustee - 1]

    def to_json(self) -> dict[str, Any]:
        return {"public_key": self.public_key.hex(), "threshold": self.threshold,
                "verification_keys": [p.hex() for p in self.verification_keys]}

    @classmethod
    def from_json(cls, obj: Any) -> ElectionKey:
        key = cls(read_point(obj, "public_key"), read_int(obj, "threshold", minimum=1),
                  points_from_hex(field(obj, "verification_keys", list)))
        if key.threshold > key.count:
            raise DecodingError("threshold exceeds the number of trustees")
        return key


@dataclass(frozen=True)
class TrusteeKey:
    """Trustee j's secret share x_j, with the public election key it belongs to."""

    trustee: int
    share: Scalar
    election_key: ElectionKey


class Dealer:
    """Trustee i's private state during the ceremony. Never published."""

    def __init__(self, index: int, threshold: int, count: int, election: bytes,
                 rng: Rng | None = None):
        check_parameters(threshold, count)
        if not 1 <= index <= count:
            raise ParameterError("trustee index must be in 1 … count")
        rng = rng or system_rng
        self.index, self.threshold, self.count, self.election = index, threshold, count, election
        self._transport = X25519PrivateKey.from_private_bytes(rng(32))
        self._coefficients = [Scalar.random_nonzero(rng) for _ in range(threshold)]
        commitments = tuple(Point.base_mul(a) for a in self._coefficients)
        transport_key = self._transport.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        context = _pok_context(election, threshold, count, index, transport_key, commitments)
        proof = schnorr.prove(context, commitments[0], self._coefficients[0], rng)
        self.announcement = Announcement(index, transport_key, commitments, proof)

    def evaluate(self, at: int) -> Scalar:
        """f_i(at), by Horner's rule."""
        x, value = Scalar.reduce(at), Scalar(0)
        for a in reversed(self._coefficients):
            value = value * x + a
        return value

    def deal(self, announcements: Sequence[Announcement], rng: Rng | None = None
             ) -> list[EncryptedShare]:
        """Encrypt f_i(j) to every trustee j's transport key."""
        rng = rng or system_rng
        by_dealer = _index(announcements, self.count)
        return [_encrypt_share(self.election, self.index, j, by_dealer[j].transport_key,
                               self.evaluate(j), rng) for j in range(1, self.count + 1)]

    def receive(self, announcements: Sequence[Announcement],
                shares: Sequence[EncryptedShare]) -> TrusteeKey:
        """Verify every announcement and every share for this trustee; build x_j."""
        key = election_key(announcements, self.threshold, self.count, self.election)
        by_dealer = _index(announcements, self.count)
        received: dict[int, Scalar] = {}
        for share in shares:
            if share.recipient != self.index:
                continue
            if share.dealer not in by_dealer:
                raise ShareVerificationError("unknown dealer", dealer=share.dealer)
            value = _decrypt_share(self.election, share, self._transport)
            if Point.base_mul(value) != _evaluate_commitments(
                    by_dealer[share.dealer].commitments, self.index):
                raise ShareVerificationError("share does not match the dealer's commitments",
                                             dealer=share.dealer)
            received[share.dealer] = value
        missing = sorted(set(by_dealer) - set(received))
        if missing:
            raise ShareVerificationError("no share received", dealer=missing[0])
        secret = Scalar(0)
        for value in received.values():
            secret = secret + value
        if Point.base_mul(secret) != key.verification_key(self.index):  # pragma: no cover
            raise ShareVerificationError("share sum mismatch", dealer=self.index)
        return TrusteeKey(self.index, secret, key)


def verify_announcement(announcement: Announcement, threshold: int, count: int,
                        election: bytes) -> None:
    """Shape and proof of knowledge of one dealer's announcement; names the dealer."""
    if not 1 <= announcement.dealer <= count:
        raise ShareVerificationError("dealer index out of range", dealer=announcement.dealer)
    if len(announcement.commitments) != threshold:
        raise ShareVerificationError(f"expected {threshold} commitments",
                                     dealer=announcement.dealer)
    context = _pok_context(election, threshold, count, announcement.dealer,
                           announcement.transport_key, announcement.commitments)
    try:
        schnorr.verify(context, announcement.commitments[0], announcement.proof)
    except InvalidProofError as exc:
        raise ShareVerificationError("proof of knowledge fails",
                                     dealer=announcement.dealer) from exc


def election_key(announcements: Sequence[Announcement], threshold: int, count: int,
                 election: bytes) -> ElectionKey:
    """Verify all n announcements; derive Y and X_1 … X_n."""
    check_parameters(threshold, count)
    by_dealer = _index(announcements, count)
    for announcement in by_dealer.values():
        verify_announcement(announcement, threshold, count, election)
    aggregate = []
    for k in range(threshold):
        total = by_dealer[1].commitments[k]
        for i in range(2, count + 1):
            total = total + by_dealer[i].commitments[k]
        aggregate.append(total)
    verification_keys = tuple(_evaluate_commitments(aggregate, j) for j in range(1, count + 1))
    return ElectionKey(aggregate[0], threshold, verification_keys)


def _index(announcements: Sequence[Announcement], count: int) -> dict[int, Announcement]:
    by_dealer: dict[int, Announcement] = {}
    for a in announcements:
        if a.dealer in by_dealer:
            raise ShareVerificationError("two announcements", dealer=a.dealer)
        by_dealer[a.dealer] = a
    missing = sorted(set(range(1, count + 1)) - set(by_dealer))
    if missing:
        raise ShareVerificationError("no announcement", dealer=missing[0])
    if len(by_dealer) != count:
        extra = sorted(set(by_dealer) - set(range(1, count + 1)))
        raise ShareVerificationError("dealer index out of range", dealer=extra[0])
    return by_dealer


def _evaluate_commitments(commitments: Sequence[Point], at: int) -> Point:
    """Σ_k at^k·C_k, by Horner's rule."""
    x = Scalar.reduce(at)
    value = commitments[-1]
    for c in reversed(commitments[:-1]):
        value = value * x + c
    return value


def _pok_context(election: bytes, threshold: int, count: int, dealer: int,
                 transport_key: bytes, commitments: Sequence[Point]) -> Transcript:
    t = Transcript("dkg/proof-of-knowledge").bytes("election", election)
    t.integer("threshold", threshold).integer("count", count).integer("dealer", dealer)
    return t.bytes("transport_key", transport_key).points("commitments", commitments)


def _share_binding(election: bytes, dealer: int, recipient: int, ephemeral: bytes,
                   recipient_key: bytes) -> bytes:
    t = Transcript("dkg/share").bytes("election", election).integer("dealer", dealer)
    t.integer("recipient", recipient).bytes("ephemeral_key", ephemeral)
    return t.bytes("recipient_key", recipient_key).output("binding")


def _share_key(shared_secret: bytes, binding: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA512(), length=32, salt=None, info=binding).derive(shared_secret)


def _encrypt_share(election: bytes, dealer: int, recipient: int, recipient_key: bytes,
                   value: Scalar, rng: Rng) -> EncryptedShare:
    ephemeral = X25519PrivateKey.from_private_bytes(rng(32))
    ephemeral_public = ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    try:
        shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_key))
    except ValueError as exc:
        raise ParameterError(f"trustee {recipient} has an unusable transport key") from exc
    binding = _share_binding(election, dealer, recipient, ephemeral_public, recipient_key)
    ciphertext = ChaCha20Poly1305(_share_key(shared, binding)).encrypt(
        _NONCE, value.to_bytes(), binding)
    return EncryptedShare(dealer, recipient, ephemeral_public, ciphertext)


def _decrypt_share(election: bytes, share: EncryptedShare, transport: X25519PrivateKey) -> Scalar:
    own_key = transport.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    try:
        shared = transport.exchange(X25519PublicKey.from_public_bytes(share.ephemeral_key))
        binding = _share_binding(election, share.dealer, share.recipient, share.ephemeral_key,
                                 own_key)
        plaintext = ChaCha20Poly1305(_share_key(shared, binding)).decrypt(
            _NONCE, share.ciphertext, binding)
        return Scalar.from_bytes(plaintext)
    except (ValueError, InvalidTag, DecodingError) as exc:
        raise ShareVerificationError("share cannot be decrypted", dealer=share.dealer) from exc
