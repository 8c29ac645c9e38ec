"""Key ceremony and threshold decryption: attribution of faults, any t of n, never t−1."""

import itertools

import pytest
from crypto_helpers import COSTLY
from hypothesis import given, strategies as st

from voting_service.crypto import dkg, recipes, threshold
from voting_service.crypto.dkg import Announcement, ElectionKey, EncryptedShare
from voting_service.crypto.elgamal import encrypt_vector, random_scalars
from voting_service.crypto.embedding import embed_bytes, extract_bytes
from voting_service.crypto.errors import (DecodingError, NotEnoughSharesError, ParameterError,
                                          PartialDecryptionError, ShareVerificationError)
from voting_service.crypto.group import GENERATOR, Point, Scalar
from voting_service.crypto.rng import SeededRng
from voting_service.crypto.schnorr import SchnorrProof
from voting_service.crypto.threshold import DecryptionShare, PartialDecryption

E = b"election"


def ceremony(threshold_, count, seed=b"dkg"):
    rng = SeededRng(seed)
    dealers = [dkg.Dealer(i, threshold_, count, E, rng) for i in range(1, count + 1)]
    announcements = [d.announcement for d in dealers]
    shares = [s for d in dealers for s in d.deal(announcements, rng)]
    return rng, dealers, announcements, shares


@pytest.fixture(scope="module")
def three_of_five():
    key, trustees = recipes.run_key_ceremony(3, 5, E, SeededRng(b"3of5"))
    rng = SeededRng(b"ballots")
    ciphertexts = [encrypt_vector(key.public_key, embed_bytes(b"ballot %d" % i, 2),
                                  random_scalars(2, rng)) for i in range(3)]
    partials = {t.trustee: threshold.partially_decrypt(t, E, ciphertexts, rng, workers=1)
                for t in trustees}
    return key, trustees, ciphertexts, partials


def test_ceremony_yields_consistent_keys():
    rng, dealers, announcements, shares = ceremony(2, 3)
    keys = [d.receive(announcements, shares) for d in dealers]
    election_key = keys[0].election_key
    assert all(k.election_key == election_key for k in keys)
    for k in keys:
        assert Point.base_mul(k.share) == election_key.verification_key(k.trustee)
    expected = announcements[0].commitments[0]
    for a in announcements[1:]:
        expected = expected + a.commitments[0]
    assert election_key.public_key == expected
    assert ElectionKey.from_json(election_key.to_json()) == election_key


def test_json_round_trips_of_ceremony_messages():
    _, _, announcements, shares = ceremony(2, 3)
    for a in announcements:
        assert Announcement.from_json(a.to_json()) == a
    for s in shares:
        assert EncryptedShare.from_json(s.to_json()) == s


def test_a_share_that_does_not_match_its_commitments_names_the_dealer():
    rng, dealers, announcements, shares = ceremony(2, 3)
    cheat = dealers[1]
    cheat._coefficients[1] = cheat._coefficients[1] + Scalar(1)   # deals from another polynomial
    bad = [s for s in shares if s.dealer != 2] + cheat.deal(announcements, rng)
    with pytest.raises(ShareVerificationError) as info:
        dealers[0].receive(announcements, bad)
    assert info.value.dealer == 2


def test_a_garbled_share_names_the_dealer():
    _, dealers, announcements, shares = ceremony(2, 3)
    garbled = [EncryptedShare(s.dealer, s.recipient, s.ephemeral_key,
                              s.ciphertext[:-1] + bytes([s.ciphertext[-1] ^ 1]))
               if (s.dealer, s.recipient) == (3, 1) else s for s in shares]
    with pytest.raises(ShareVerificationError) as info:
        dealers[0].receive(announcements, garbled)
    assert info.value.dealer == 3


def test_a_share_addressed_to_someone_else_cannot_be_redirected():
    _, dealers, announcements, shares = ceremony(2, 3)
    moved = [EncryptedShare(s.dealer, 1, s.ephemeral_key, s.ciphertext)
             if (s.dealer, s.recipient) == (2, 3) else s for s in shares
             if (s.dealer, s.recipient) != (2, 1)]
    with pytest.raises(ShareVerificationError) as info:
        dealers[0].receive(announcements, moved)
    assert info.value.dealer == 2


def test_a_missing_share_names_the_dealer():
    _, dealers, announcements, shares = ceremony(2, 3)
    with pytest.raises(ShareVerificationError) as info:
        dealers[0].receive(announcements, [s for s in shares if s.dealer != 3])
    assert info.value.dealer == 3


def test_a_bad_proof_of_knowledge_names_the_dealer():
    _, dealers, announcements, shares = ceremony(2, 3)
    a = announcements[2]
    forged = Announcement(a.dealer, a.transport_key, a.commitments,
                          SchnorrProof(a.proof.challenge, a.proof.response + Scalar(1)))
    with pytest.raises(ShareVerificationError) as info:
        dkg.election_key(announcements[:2] + [forged], 2, 3, E)
    assert info.value.dealer == 3
    # A commitment vector of the wrong length is also attributed.
    short = Announcement(a.dealer, a.transport_key, a.commitments[:1], a.proof)
    with pytest.raises(ShareVerificationError) as info:
        dkg.election_key(announcements[:2] + [short], 2, 3, E)
    assert info.value.dealer == 3


def test_announcements_are_bound_to_their_election():
    _, _, announcements, _ = ceremony(2, 3)
    with pytest.raises(ShareVerificationError):
        dkg.election_key(announcements, 2, 3, b"another election")


def test_parameters_are_checked():
    for t, n in ((0, 3), (4, 3)):
        with pytest.raises(ParameterError):
            recipes.run_key_ceremony(t, n, E, SeededRng(b"p"))
    with pytest.raises(ParameterError):
        dkg.Dealer(4, 2, 3, E, SeededRng(b"p"))


def test_any_t_of_n_trustees_decrypt(three_of_five):
    key, _, ciphertexts, partials = three_of_five
    for trustees in itertools.combinations(range(1, 6), 3):
        points = threshold.combine(key, ciphertexts, [partials[t] for t in trustees], workers=1)
        assert [extract_bytes(p) for p in points] == [b"ballot %d" % i for i in range(3)]
    # More than t works too (Lagrange over the actual set).
    points = threshold.combine(key, ciphertexts, list(partials.values()), workers=2)
    assert extract_bytes(points[1]) == b"ballot 1"


def test_t_minus_one_trustees_cannot_decrypt(three_of_five):
    key, _, ciphertexts, partials = three_of_five
    for pair in itertools.combinations(range(1, 6), 2):
        with pytest.raises(NotEnoughSharesError):
            threshold.combine(key, ciphertexts, [partials[t] for t in pair])
        # Interpolating over too few shares gives a wrong key share, hence no plaintext.
        weights = threshold.lagrange_coefficients(pair)
        ct = ciphertexts[0][0]
        guess = Point.base_mul(Scalar(0))
        for t in pair:
            guess = guess + partials[t].shares[0][0].share * Scalar(weights[t])
        assert ct.beta - guess != embed_bytes(b"ballot 0", 2)[0]


def test_partial_decryptions_verify_and_round_trip(three_of_five):
    key, _, ciphertexts, partials = three_of_five
    for partial in partials.values():
        threshold.verify_partial_decryption(key, E, ciphertexts, partial, workers=2)
        assert PartialDecryption.from_json(partial.to_json()) == partial


def test_a_partial_decryption_with_a_wrong_share_is_rejected_and_attributed(three_of_five):
    key, trustees, ciphertexts, _ = three_of_five
    wrong = dkg.TrusteeKey(4, trustees[3].share + Scalar(1), key)
    partial = threshold.partially_decrypt(wrong, E, ciphertexts, SeededRng(b"w"), workers=1)
    with pytest.raises(PartialDecryptionError) as info:
        threshold.verify_partial_decryption(key, E, ciphertexts, partial)
    assert info.value.trustee == 4 and info.value.position == 0
    with pytest.raises(PartialDecryptionError) as info:
        recipes.verify_and_combine(key, E, ciphertexts, [partial], workers=1)
    assert info.value.trustee == 4


@given(st.integers(min_value=0, max_value=2), st.integers(min_value=0, max_value=1),
       st.sampled_from(["d", "c", "s"]))
@COSTLY
def test_any_single_altered_decryption_share_is_attributed(three_of_five, vector, component,
                                                           field_name):
    key, _, ciphertexts, partials = three_of_five
    doc = partials[2].to_json()
    entry = doc["shares"][vector][component]
    if field_name == "d":
        entry["d"] = (Point.from_hex(entry["d"]) + GENERATOR).hex()
    else:
        entry[field_name] = (Scalar.from_hex(entry[field_name]) + Scalar(1)).hex()
    with pytest.raises(PartialDecryptionError) as info:
        threshold.verify_partial_decryption(key, E, ciphertexts, PartialDecryption.from_json(doc),
                                            workers=1)
    assert (info.value.trustee, info.value.position) == (2, vector)


def test_a_partial_decryption_for_other_ciphertexts_or_election_fails(three_of_five):
    key, _, ciphertexts, partials = three_of_five
    with pytest.raises(PartialDecryptionError):
        threshold.verify_partial_decryption(key, b"other", ciphertexts, partials[1])
    with pytest.raises(PartialDecryptionError):
        threshold.verify_partial_decryption(key, E, ciphertexts[::-1], partials[1])
    with pytest.raises(PartialDecryptionError):
        threshold.verify_partial_decryption(key, E, ciphertexts[:2], partials[1])
    relabelled = PartialDecryption(3, partials[1].shares)
    with pytest.raises(PartialDecryptionError) as info:
        threshold.verify_partial_decryption(key, E, ciphertexts, relabelled)
    assert info.value.trustee == 3


def test_duplicate_trustees_cannot_stand_in_for_a_threshold(three_of_five):
    key, _, ciphertexts, partials = three_of_five
    with pytest.raises(ParameterError):
        threshold.combine(key, ciphertexts, [partials[1], partials[1], partials[2]])


def test_decryption_share_json_refuses_the_identity(three_of_five):
    _, _, _, partials = three_of_five
    doc = partials[1].shares[0][0].to_json()
    with pytest.raises(DecodingError):
        DecryptionShare.from_json({**doc, "d": "00" * 32})
