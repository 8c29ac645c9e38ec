"""Pedersen distributed key generation, t of n, with Feldman commitments (protocol.md §7).

Trustees are numbered 1 … n. Before the ceremony each trustee j registers, out of band,
the public part of a long-term *identity key* (a ristretto255 signature key, §6.5 with
purpose "dkg/identity-signature"); the list of identity keys is fixed for the ceremony
and will be published in the election record. Each trustee i, acting as dealer:

1. draws a polynomial f_i(z) = a_{i,0} + a_{i,1}·z + … + a_{i,t−1}·z^{t−1} and an X25519
   transport key pair, and publishes an ``Announcement``: its transport public key, the
   Feldman commitments C_{i,k} = a_{i,k}·G, a Schnorr proof of knowledge of a_{i,0} and
   a signature by its identity key over all of it;
2. verifies every announcement (identity signature, shape, proof of knowledge), then sends
   every trustee j (itself included) the share f_i(j), encrypted to j's transport key
   (``EncryptedShare``: ephemeral X25519 key, HKDF-SHA512, ChaCha20-Poly1305) and signed
   by its identity key.

Each recipient j verifies every announcement, checks the identity signature of each of its
n envelopes, decrypts them and checks s_{i,j}·G = Σ_k j^k·C_{i,k}. A message whose
signature fails raises ``CeremonyAuthenticationError`` (it did not come from that dealer:
whoever relayed it altered it); a signed share that fails to decrypt or to match names its
dealer (``ShareVerificationError.dealer``). Trustee j's secret share is x_j = Σ_i s_{i,j}.
Publicly, the election key is Y = Σ_i C_{i,0} and trustee j's verification key is
X_j = Σ_k j^k·(Σ_i C_{i,k}) = x_j·G.

Because announcements and envelopes are signed, the party relaying the ceremony (the
service) can neither substitute a transport key (to read shares) nor a commitment vector
or share (to bias or learn the key): it only sees ciphertexts under keys it does not hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field as dataclass_field
from typing import Any, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from . import schnorr, signature
from .codec import (field, only_fields, points_from_hex, read_bytes_hex, read_int,
                    read_point)
from .errors import (CeremonyAuthenticationError, DecodingError, InvalidProofError,
                     InvalidSignatureError, ParameterError, ShareVerificationError)
from .group import ORDER, Point, Rng, Scalar, system_rng
from .schnorr import SchnorrProof
from .signature import Signature
from .transcript import Transcript

#: The signature purpose (domain) of the trustees' identity keys (protocol.md §6.5, §7).
IDENTITY_PURPOSE = "dkg/identity-signature"

_NONCE = bytes(12)  # every share key is used once (fresh ephemeral key), so a fixed nonce is safe


def check_parameters(threshold: int, count: int) -> None:
    if not 1 <= threshold <= count:
        raise ParameterError("need 1 <= threshold <= count")
    if count >= 2**16:
        raise ParameterError("at most 65535 trustees")


@dataclass(frozen=True)
class TrusteeIdentity:
    """A trustee's long-term identity key pair. The public part is registered out of band
    before the ceremony; the secret part signs the trustee's ceremony messages.
    ``repr`` shows the public part only."""

    secret: Scalar = dataclass_field(repr=False)
    public: Point

    @classmethod
    def generate(cls, rng: Rng | None = None) -> TrusteeIdentity:
        secret = Scalar.random_nonzero(rng)
        return cls(secret, Point.base_mul(secret))


@dataclass(frozen=True)
class Announcement:
    """What dealer i publishes: transport key, Feldman commitments, proof of knowledge,
    and its identity signature over all of them."""

    dealer: int
    transport_key: bytes
    commitments: tuple[Point, ...]
    proof: SchnorrProof
    signature: Signature

    def to_json(self) -> dict[str, Any]:
        return {"dealer": self.dealer, "transport_key": self.transport_key.hex(),
                "commitments": [c.hex() for c in self.commitments],
                "proof": self.proof.to_json(), "signature": self.signature.to_json()}

    @classmethod
    def from_json(cls, obj: Any) -> Announcement:
        only_fields(obj, "dealer", "transport_key", "commitments", "proof", "signature")
        key = read_bytes_hex(obj, "transport_key")
        if len(key) != 32:
            raise DecodingError("a transport key is 32 bytes")
        commitments = points_from_hex(field(obj, "commitments", list))
        if not commitments:
            raise DecodingError("at least one commitment")
        return cls(read_int(obj, "dealer", minimum=1), key, commitments,
                   SchnorrProof.from_json(field(obj, "proof", dict)),
                   Signature.from_json(field(obj, "signature", dict)))


@dataclass(frozen=True)
class EncryptedShare:
    """f_dealer(recipient), encrypted to the recipient's transport key, signed by the
    dealer's identity key."""

    dealer: int
    recipient: int
    ephemeral_key: bytes
    ciphertext: bytes
    signature: Signature

    def to_json(self) -> dict[str, Any]:
        return {"dealer": self.dealer, "recipient": self.recipient,
                "ephemeral_key": self.ephemeral_key.hex(), "ciphertext": self.ciphertext.hex(),
                "signature": self.signature.to_json()}

    @classmethod
    def from_json(cls, obj: Any) -> EncryptedShare:
        only_fields(obj, "dealer", "recipient", "ephemeral_key", "ciphertext", "signature")
        share = cls(read_int(obj, "dealer", minimum=1), read_int(obj, "recipient", minimum=1),
                    read_bytes_hex(obj, "ephemeral_key"), read_bytes_hex(obj, "ciphertext"),
                    Signature.from_json(field(obj, "signature", dict)))
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
        """Decode and check consistency: X_1 … X_n must lie on one polynomial of degree
        t − 1 whose value at 0 is Y (protocol.md §7.4)."""
        only_fields(obj, "public_key", "threshold", "verification_keys")
        key = cls(read_point(obj, "public_key"), read_int(obj, "threshold", minimum=1),
                  points_from_hex(field(obj, "verification_keys", list)))
        if key.threshold > key.count:
            raise DecodingError("threshold exceeds the number of trustees")
        if key.count >= 2**16:
            raise DecodingError("at most 65535 trustees")
        key.check_consistency()
        return key

    def check_consistency(self) -> None:
        """Y and X_1 … X_n are the values at 0, 1 … n of one polynomial of degree exactly
        t − 1 (in the exponent); raises DecodingError otherwise.

        With the Lagrange weights λ_j(z) of the first t indices: Y = Σ_{j≤t} λ_j(0)·X_j and
        X_k = Σ_{j≤t} λ_j(k)·X_j for every k > t. The degree is not lower than t − 1 (which
        would overstate the threshold) iff, for t ≥ 2, the interpolation through
        X_1 … X_{t−1} does not give X_t."""
        t = self.threshold
        base = list(range(1, t + 1))
        anchors = self.verification_keys[:t]
        for at in [0, *range(t + 1, self.count + 1)]:
            expected = self.public_key if at == 0 else self.verification_keys[at - 1]
            if _interpolate(base, anchors, at) != expected:
                what = "the public key" if at == 0 else f"verification key {at}"
                raise DecodingError(f"{what} is not on the polynomial through the first "
                                    f"{t} verification keys")
        if t >= 2 and _interpolate(base[:-1], anchors[:-1], t) == anchors[-1]:
            raise DecodingError(f"the verification keys lie on a polynomial of degree below "
                                f"{t - 1}: the threshold is not {t}")


@dataclass(frozen=True)
class TrusteeKey:
    """Trustee j's secret share x_j, with the public election key it belongs to.
    ``repr`` leaves the share out."""

    trustee: int
    share: Scalar = dataclass_field(repr=False)
    election_key: ElectionKey


def check_identity_keys(identity_keys: Sequence[Point], count: int) -> tuple[Point, ...]:
    """The registered identity keys of trustees 1 … n: exactly n, pairwise distinct."""
    keys = tuple(identity_keys)
    if len(keys) != count:
        raise ParameterError(f"need exactly {count} identity keys (one per trustee)")
    if not all(isinstance(k, Point) and not k.is_identity() for k in keys):
        raise ParameterError("identity keys must be non-identity points")
    if len(set(keys)) != count:
        raise ParameterError("two trustees registered the same identity key")
    return keys


class Dealer:
    """Trustee i's private state during the ceremony. Never published.

    ``identity`` is trustee i's own identity key pair; ``identity_keys`` the registered
    public identity keys of trustees 1 … n (``identity_keys[i − 1] == identity.public``).
    """

    def __init__(self, index: int, threshold: int, count: int, election: bytes, *,
                 identity: TrusteeIdentity, identity_keys: Sequence[Point],
                 rng: Rng | None = None):
        check_parameters(threshold, count)
        if not 1 <= index <= count:
            raise ParameterError("trustee index must be in 1 … count")
        self.identity_keys = check_identity_keys(identity_keys, count)
        if Point.base_mul(identity.secret) != identity.public or \
                self.identity_keys[index - 1] != identity.public:
            raise ParameterError("this identity key is not the one registered for the trustee")
        rng = rng or system_rng
        self.index, self.threshold, self.count, self.election = index, threshold, count, election
        self._identity = identity
        self._transport = X25519PrivateKey.from_private_bytes(rng(32))
        self._coefficients = [Scalar.random_nonzero(rng) for _ in range(threshold)]
        commitments = tuple(Point.base_mul(a) for a in self._coefficients)
        transport_key = self._transport.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        context = _pok_context(election, threshold, count, index, transport_key, commitments)
        proof = schnorr.prove(context, commitments[0], self._coefficients[0], rng)
        message = announcement_message(election, threshold, count, index, identity.public,
                                       transport_key, commitments, proof)
        sig = signature.sign(election, identity.secret, message, rng, purpose=IDENTITY_PURPOSE)
        self.announcement = Announcement(index, transport_key, commitments, proof, sig)

    def evaluate(self, at: int) -> Scalar:
        """f_i(at), by Horner's rule."""
        x, value = Scalar.reduce(at), Scalar(0)
        for a in reversed(self._coefficients):
            value = value * x + a
        return value

    def deal(self, announcements: Sequence[Announcement], rng: Rng | None = None
             ) -> list[EncryptedShare]:
        """Verify all n announcements (identity signatures, shapes, proofs of knowledge),
        then encrypt f_i(j) to every trustee j's transport key and sign each envelope."""
        rng = rng or system_rng
        election_key(announcements, self.threshold, self.count, self.election,
                     self.identity_keys)
        by_dealer = _index(announcements, self.count)
        if by_dealer[self.index] != self.announcement:
            raise CeremonyAuthenticationError("this is not the announcement this dealer made",
                                              dealer=self.index)
        out = []
        for j in range(1, self.count + 1):
            recipient_key = by_dealer[j].transport_key
            ephemeral, ciphertext = _encrypt_share(self.election, self.index, j, recipient_key,
                                                   self.evaluate(j), rng)
            message = share_message(self.election, self.threshold, self.count, self.index, j,
                                    self._identity.public, self.announcement.commitments,
                                    recipient_key, ephemeral, ciphertext)
            sig = signature.sign(self.election, self._identity.secret, message, rng,
                                 purpose=IDENTITY_PURPOSE)
            out.append(EncryptedShare(self.index, j, ephemeral, ciphertext, sig))
        return out

    def receive(self, announcements: Sequence[Announcement],
                shares: Sequence[EncryptedShare]) -> TrusteeKey:
        """Verify every announcement and every share for this trustee; build x_j."""
        key = election_key(announcements, self.threshold, self.count, self.election,
                           self.identity_keys)
        by_dealer = _index(announcements, self.count)
        own_key = self._transport.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        if by_dealer[self.index].transport_key != own_key:
            raise CeremonyAuthenticationError("announcement does not carry this trustee's "
                                              "transport key", dealer=self.index)
        received: dict[int, Scalar] = {}
        seen: dict[int, EncryptedShare] = {}
        for share in shares:
            if share.recipient != self.index:
                continue
            if share.dealer not in by_dealer:
                raise ShareVerificationError("unknown dealer", dealer=share.dealer)
            verify_share_signature(share, by_dealer[share.dealer], self.threshold, self.count,
                                   self.election, self.identity_keys, own_key)
            if share.dealer in seen:
                if seen[share.dealer] == share:
                    continue  # the same envelope relayed twice
                raise ShareVerificationError("two different signed shares for one trustee",
                                             dealer=share.dealer)
            seen[share.dealer] = share
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
                        election: bytes, identity_keys: Sequence[Point]) -> None:
    """Identity signature, shape and proof of knowledge of one dealer's announcement.

    Raises ``CeremonyAuthenticationError`` if the dealer's identity key did not sign it
    (altered in transit), ``ShareVerificationError`` if the dealer signed a bad one."""
    identity_keys = check_identity_keys(identity_keys, count)
    if not 1 <= announcement.dealer <= count:
        raise ShareVerificationError("dealer index out of range", dealer=announcement.dealer)
    message = announcement_message(election, threshold, count, announcement.dealer,
                                   identity_keys[announcement.dealer - 1],
                                   announcement.transport_key, announcement.commitments,
                                   announcement.proof)
    try:
        signature.verify(election, identity_keys[announcement.dealer - 1], message,
                         announcement.signature, purpose=IDENTITY_PURPOSE)
    except InvalidSignatureError as exc:
        raise CeremonyAuthenticationError("announcement is not signed by the dealer's "
                                          "identity key", dealer=announcement.dealer) from exc
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


def verify_share_signature(share: EncryptedShare, dealer_announcement: Announcement,
                           threshold: int, count: int, election: bytes,
                           identity_keys: Sequence[Point], recipient_key: bytes) -> None:
    """The dealer's identity signature on one envelope, over the recipient's transport key
    ``recipient_key`` as the recipient knows it; raises ``CeremonyAuthenticationError``."""
    if not (1 <= share.dealer <= count and 1 <= share.recipient <= count):
        raise ShareVerificationError("index out of range", dealer=share.dealer)
    identity_key = identity_keys[share.dealer - 1]
    message = share_message(election, threshold, count, share.dealer, share.recipient,
                            identity_key, dealer_announcement.commitments, recipient_key,
                            share.ephemeral_key, share.ciphertext)
    try:
        signature.verify(election, identity_key, message, share.signature,
                         purpose=IDENTITY_PURPOSE)
    except InvalidSignatureError as exc:
        raise CeremonyAuthenticationError("share envelope is not signed by the dealer's "
                                          "identity key", dealer=share.dealer,
                                          recipient=share.recipient) from exc


def election_key(announcements: Sequence[Announcement], threshold: int, count: int,
                 election: bytes, identity_keys: Sequence[Point]) -> ElectionKey:
    """Verify all n announcements against the registered identity keys; derive Y and
    X_1 … X_n."""
    check_parameters(threshold, count)
    identity_keys = check_identity_keys(identity_keys, count)
    by_dealer = _index(announcements, count)
    for dealer in sorted(by_dealer):
        verify_announcement(by_dealer[dealer], threshold, count, election, identity_keys)
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


def _interpolate(indices: Sequence[int], values: Sequence[Point], at: int) -> Point:
    """Σ_j λ_j(at)·V_j: the value at ``at`` of the polynomial (in the exponent) through
    (j, V_j), with λ_j(at) = Π_{m≠j} (at − m)/(j − m) mod ℓ."""
    total = None
    for j, value in zip(indices, values):
        numerator = denominator = 1
        for m in indices:
            if m != j:
                numerator = numerator * (at - m) % ORDER
                denominator = denominator * (j - m) % ORDER
        weight = Scalar(numerator * pow(denominator, -1, ORDER) % ORDER)
        term = value * weight
        total = term if total is None else total + term
    return total


def announcement_message(election: bytes, threshold: int, count: int, dealer: int,
                         identity_key: Point, transport_key: bytes,
                         commitments: Sequence[Point], proof: SchnorrProof) -> bytes:
    """The 64 bytes that dealer ``dealer`` signs with its identity key (protocol.md §7.2)."""
    t = Transcript("dkg/announcement").bytes("election", election)
    t.integer("threshold", threshold).integer("count", count).integer("dealer", dealer)
    t.point("identity_key", identity_key).bytes("transport_key", transport_key)
    t.points("commitments", commitments)
    return t.scalars("proof", [proof.challenge, proof.response]).output("message")


def share_message(election: bytes, threshold: int, count: int, dealer: int, recipient: int,
                  identity_key: Point, commitments: Sequence[Point], recipient_key: bytes,
                  ephemeral_key: bytes, ciphertext: bytes) -> bytes:
    """The 64 bytes that the dealer signs for one share envelope (protocol.md §7.3)."""
    t = Transcript("dkg/share-envelope").bytes("election", election)
    t.integer("threshold", threshold).integer("count", count).integer("dealer", dealer)
    t.integer("recipient", recipient).point("identity_key", identity_key)
    t.points("commitments", commitments).bytes("recipient_key", recipient_key)
    t.bytes("ephemeral_key", ephemeral_key).bytes("ciphertext", ciphertext)
    return t.output("message")


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
                   value: Scalar, rng: Rng) -> tuple[bytes, bytes]:
    """(ephemeral public key, ciphertext)."""
    ephemeral = X25519PrivateKey.from_private_bytes(rng(32))
    ephemeral_public = ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    try:
        shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_key))
    except ValueError as exc:
        raise ParameterError(f"trustee {recipient} has an unusable transport key") from exc
    binding = _share_binding(election, dealer, recipient, ephemeral_public, recipient_key)
    ciphertext = ChaCha20Poly1305(_share_key(shared, binding)).encrypt(
        _NONCE, value.to_bytes(), binding)
    return ephemeral_public, ciphertext


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
