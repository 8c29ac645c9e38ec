"""The small, safe API of the cryptographic core (protocol.md §10).

Everything the rest of the service needs, with the primitives kept below: the key
ceremony, ballots, the shuffle, threshold decryption. Every ``verify_*`` returns None or
raises a subclass of ``CryptoError``; nothing here reads files or the network.
"""

from __future__ import annotations

from typing import Sequence

from . import ballot as ballots
from . import embedding, shuffle, threshold
from .ballot import ZERO_TRACKER, Ballot, BallotOpening, open_ballot
from .dkg import Dealer, ElectionKey, TrusteeIdentity, TrusteeKey
from .elgamal import CiphertextVector
from .group import Point, Rng, Scalar
from .shuffle import ShuffleProof
from .threshold import Combination, PartialDecryption

__all__ = [
    "make_trustee_identity", "make_trustee", "run_key_ceremony",
    "Ballot", "BallotOpening", "encrypt_ballot", "encrypt_kiosk_ballot", "sign_kiosk_ballot",
    "verify_ballot", "ballot_tracker", "open_ballot",
    "shuffle_and_prove", "verify_shuffle",
    "partially_decrypt", "verify_partial_decryption", "verify_and_combine",
    "decode_plaintext",
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


# --- ballots (version 2, protocol.md §10; implemented in ballot.py) ------------------------

def encrypt_ballot(election_key: ElectionKey, election: bytes, question: str, plaintext: bytes,
                   width: int, *, secret: Scalar, seq: int = 1, prev: bytes = ZERO_TRACKER,
                   rng: Rng | None = None) -> tuple[Ballot, BallotOpening]:
    """An online ballot, encrypted, proved and signed under the credential secret.

    The public credential is computed from ``secret``, so the proof and the signature can
    never name two different voters. ``seq`` and ``prev`` place the ballot in the
    credential's chain (§10.3): ``prev`` is the ``ballot_tracker`` of the ballot it
    replaces. (A device that offers the Benaloh challenge before the voter signs calls
    ``ballot.encrypt`` with ``secret`` and ``ballot.sign_online`` itself, as the booth does.)
    """
    unsigned, opening = ballots.encrypt(election_key, election, question, plaintext, width,
                                        credential=Point.base_mul(secret), seq=seq, prev=prev,
                                        secret=secret, rng=rng)
    return ballots.sign_online(election, unsigned, secret, rng), opening


def encrypt_kiosk_ballot(election_key: ElectionKey, election: bytes, question: str,
                         plaintext: bytes, width: int, *, credential: Point, checkin: bytes,
                         rng: Rng | None = None) -> tuple[Ballot, BallotOpening]:
    """A kiosk ballot for the voter admitted by the check-in event ``checkin`` (its 32-byte
    hash), unsigned: the kiosk shows ``ballot_tracker``, then either signs it with
    ``sign_kiosk_ballot`` or reveals the opening. The kiosk never holds the credential
    secret, so its randomness is hedged without one."""
    return ballots.encrypt(election_key, election, question, plaintext, width,
                           credential=credential, checkin=checkin, rng=rng)


#: ``sign_kiosk_ballot(election, ballot, kiosk_key)``: the kiosk's Ed25519 signature.
sign_kiosk_ballot = ballots.sign_kiosk

#: ``verify_ballot(election_key, election, ballot, *, question, width, kiosk_key=None,
#: signed=True)``: the proof bound to the ballot's credential, and the signature (by the
#: credential online, by ``kiosk_key``, 32 raw Ed25519 bytes, at a kiosk).
verify_ballot = ballots.verify

#: ``ballot_tracker(election, ballot)``: the 32 bytes a voter finds their ballot by.
ballot_tracker = ballots.tracker


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
