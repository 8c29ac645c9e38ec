"""Key ceremony and threshold decryption: attribution of faults, any t of n, never t−1."""

import itertools

import pytest
from crypto_helpers import COSTLY
from hypothesis import given, strategies as st

from voting_service.crypto import dkg, recipes, signature, threshold
from voting_service.crypto.dkg import (Announcement, ElectionKey, EncryptedShare,
                                       TrusteeIdentity)
from voting_service.crypto.elgamal import encrypt_vector, random_scalars
from voting_service.crypto.embedding import embed_bytes, extract_bytes
from voting_service.crypto.errors import (CeremonyAuthenticationError, DecodingError,
                                          NotEnoughSharesError, ParameterError,
                                          PartialDecryptionError, ShareVerificationError)
from voting_service.crypto.group import GENERATOR, Point, Scalar
from voting_service.crypto.rng import SeededRng
from voting_service.crypto.schnorr import SchnorrProof
from voting_service.crypto.threshold import DecryptionShare, PartialDecryption

E = b"election"


def ceremony(threshold_, count, seed=b"dkg"):
    rng = SeededRng(seed)
    identities = [TrusteeIdentity.generate(rng) for _ in range(count)]
    keys = [i.public for i in identities]
    dealers = [dkg.Dealer(i, threshold_, count, E, identity=identities[i - 1], identity_keys=keys,
                          rng=rng) for i in range(1, count + 1)]
    announcements = [d.announcement for d in dealers]
    shares = [s for d in dealers for s in d.deal(announcements, rng)]
    return rng, dealers, announcements, shares


def identity_keys(dealers):
    return dealers[0].identity_keys


def resign_share(dealer, share, **changes):
    """What a dishonest *dealer* can do: sign an envelope of its choice with its own key."""
    fields = {"ephemeral_key": share.ephemeral_key, "ciphertext": share.ciphertext,
              "recipient": share.recipient, **changes}
    recipient_key = None
    for a in changes.pop("announcements"):
        if a.dealer == fields["recipient"]:
            recipient_key = a.transport_key
    fields.pop("announcements")
    message = dkg.share_message(E, dealer.threshold, dealer.count, dealer.index,
                                fields["recipient"], dealer._identity.public,
                                dealer.announcement.commitments, recipient_key,
                                fields["ephemeral_key"], fields["ciphertext"])
    sig = signature.sign(E, dealer._identity.secret, message, SeededRng(b"resign"),
                         purpose=dkg.IDENTITY_PURPOSE)
    return EncryptedShare(dealer.index, fields["recipient"], fields["ephemeral_key"],
                          fields["ciphertext"], sig)


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


def test_a_share_garbled_in_transit_is_an_authentication_failure():
    _, dealers, announcements, shares = ceremony(2, 3)
    garbled = [EncryptedShare(s.dealer, s.recipient, s.ephemeral_key,
                              s.ciphertext[:-1] + bytes([s.ciphertext[-1] ^ 1]), s.signature)
               if (s.dealer, s.recipient) == (3, 1) else s for s in shares]
    with pytest.raises(CeremonyAuthenticationError) as info:
        dealers[0].receive(announcements, garbled)
    assert (info.value.dealer, info.value.recipient) == (3, 1)


def test_a_garbled_share_signed_by_its_dealer_names_the_dealer():
    _, dealers, announcements, shares = ceremony(2, 3)
    original = next(s for s in shares if (s.dealer, s.recipient) == (3, 1))
    garbled = resign_share(dealers[2], original, announcements=announcements,
                           ciphertext=original.ciphertext[:-1]
                           + bytes([original.ciphertext[-1] ^ 1]))
    bad = [garbled if s is original else s for s in shares]
    with pytest.raises(ShareVerificationError) as info:
        dealers[0].receive(announcements, bad)
    assert info.value.dealer == 3
    assert not isinstance(info.value, CeremonyAuthenticationError)


def test_a_share_addressed_to_someone_else_cannot_be_redirected():
    _, dealers, announcements, shares = ceremony(2, 3)
    moved = [EncryptedShare(s.dealer, 1, s.ephemeral_key, s.ciphertext, s.signature)
             if (s.dealer, s.recipient) == (2, 3) else s for s in shares
             if (s.dealer, s.recipient) != (2, 1)]
    with pytest.raises(CeremonyAuthenticationError) as info:
        dealers[0].receive(announcements, moved)
    assert (info.value.dealer, info.value.recipient) == (2, 1)
    # Even a dealer re-signing it cannot make a share for trustee 3 decrypt for trustee 1.
    original = next(s for s in shares if (s.dealer, s.recipient) == (2, 3))
    resigned = resign_share(dealers[1], original, announcements=announcements, recipient=1)
    bad = [resigned if (s.dealer, s.recipient) == (2, 1) else s for s in shares]
    with pytest.raises(ShareVerificationError) as info:
        dealers[0].receive(announcements, bad)
    assert info.value.dealer == 2


# --- a relay (the service) that substitutes ceremony messages ------------------------------

def relay_announcement(announcements, keys, dealer, rng, *, transport_key=None):
    """The relay replaces dealer ``dealer``'s announcement with one of its own making: its
    own polynomial and transport key, a valid proof of knowledge, signed by a key that is
    not the registered one (the relay does not hold the dealer's identity secret)."""
    forger_identity = TrusteeIdentity.generate(rng)
    keys = list(keys)
    keys[dealer - 1] = forger_identity.public
    forger = dkg.Dealer(dealer, len(announcements[0].commitments), len(announcements), E,
                        identity=forger_identity, identity_keys=keys, rng=rng)
    fake = forger.announcement
    if transport_key is not None:   # only the transport key swapped, the rest kept
        original = announcements[dealer - 1]
        fake = Announcement(original.dealer, transport_key, original.commitments,
                            original.proof, original.signature)
    return [fake if a.dealer == dealer else a for a in announcements], forger


@pytest.fixture
def honest():
    return ceremony(2, 3, b"relay")


def test_a_substituted_announcement_is_detected_and_attributed(honest):
    rng, dealers, announcements, shares = honest
    keys = identity_keys(dealers)
    forged, _ = relay_announcement(announcements, keys, 2, rng)
    # Before any share is encrypted to the substituted transport key …
    with pytest.raises(CeremonyAuthenticationError) as info:
        dealers[0].deal(forged, rng)
    assert info.value.dealer == 2
    # … at reception, and for anyone recomputing the election key.
    with pytest.raises(CeremonyAuthenticationError) as info:
        dealers[2].receive(forged, shares)
    assert info.value.dealer == 2
    with pytest.raises(CeremonyAuthenticationError) as info:
        dkg.election_key(forged, 2, 3, E, keys)
    assert info.value.dealer == 2


def test_a_substituted_transport_key_is_detected_before_dealing(honest):
    rng, dealers, announcements, _ = honest
    relay_key = bytes(range(32))
    forged, _ = relay_announcement(announcements, identity_keys(dealers), 3, rng,
                                   transport_key=relay_key)
    with pytest.raises(CeremonyAuthenticationError) as info:
        dealers[0].deal(forged, rng)
    assert info.value.dealer == 3


def test_a_substituted_envelope_is_detected_and_attributed(honest):
    rng, dealers, announcements, shares = honest
    # The relay knows trustee 1's transport key (public) and can build an envelope that
    # decrypts and even matches commitments of its choosing — but cannot sign it.
    _, forger = relay_announcement(announcements, identity_keys(dealers), 2, rng)
    ephemeral, ciphertext = dkg._encrypt_share(E, 2, 1, announcements[0].transport_key,
                                               forger.evaluate(1), rng)
    original = next(s for s in shares if (s.dealer, s.recipient) == (2, 1))
    substituted = EncryptedShare(2, 1, ephemeral, ciphertext, original.signature)
    bad = [substituted if s is original else s for s in shares]
    with pytest.raises(CeremonyAuthenticationError) as info:
        dealers[0].receive(announcements, bad)
    assert (info.value.dealer, info.value.recipient) == (2, 1)
    # Its own signature does not help either.
    forged_sig = signature.sign(E, forger._identity.secret, b"anything", rng,
                                purpose=dkg.IDENTITY_PURPOSE)
    bad = [EncryptedShare(2, 1, ephemeral, ciphertext, forged_sig) if s is original else s
           for s in shares]
    with pytest.raises(CeremonyAuthenticationError):
        dealers[0].receive(announcements, bad)


def test_an_announcement_from_another_election_is_not_authentic(honest):
    rng, dealers, _, _ = honest
    keys = identity_keys(dealers)
    other = [dkg.Dealer(i, 2, 3, b"other election", identity=d._identity, identity_keys=keys,
                        rng=rng).announcement for i, d in zip((1, 2, 3), dealers)]
    with pytest.raises(CeremonyAuthenticationError) as info:
        dkg.election_key(other, 2, 3, E, keys)
    assert info.value.dealer == 1


def test_an_envelope_relayed_twice_is_harmless_but_two_different_ones_name_the_dealer(honest):
    _, dealers, announcements, shares = honest
    key = dealers[0].receive(announcements, shares + shares)
    assert key.trustee == 1
    original = next(s for s in shares if (s.dealer, s.recipient) == (3, 1))
    other = resign_share(dealers[2], original, announcements=announcements,
                         ciphertext=bytes(48))
    with pytest.raises(ShareVerificationError) as info:
        dealers[0].receive(announcements, shares + [other])
    assert info.value.dealer == 3


def test_identity_keys_are_checked():
    rng = SeededRng(b"ids")
    ids = [TrusteeIdentity.generate(rng) for _ in range(3)]
    keys = [i.public for i in ids]
    with pytest.raises(ParameterError):   # not the registered key for trustee 2
        dkg.Dealer(2, 2, 3, E, identity=ids[0], identity_keys=keys, rng=rng)
    with pytest.raises(ParameterError):   # one key registered twice
        dkg.Dealer(1, 2, 3, E, identity=ids[0], identity_keys=[keys[0], keys[0], keys[2]],
                   rng=rng)
    with pytest.raises(ParameterError):   # wrong number of keys
        dkg.Dealer(1, 2, 3, E, identity=ids[0], identity_keys=keys[:2], rng=rng)


def test_a_missing_share_names_the_dealer():
    _, dealers, announcements, shares = ceremony(2, 3)
    with pytest.raises(ShareVerificationError) as info:
        dealers[0].receive(announcements, [s for s in shares if s.dealer != 3])
    assert info.value.dealer == 3


def test_a_bad_proof_of_knowledge_names_the_dealer():
    _, dealers, announcements, shares = ceremony(2, 3)
    a = announcements[2]
    cheat = dealers[2]
    keys = identity_keys(dealers)

    def signed(commitments, proof):   # the dealer itself signs what it publishes
        message = dkg.announcement_message(E, 2, 3, 3, cheat._identity.public, a.transport_key,
                                           commitments, proof)
        return Announcement(3, a.transport_key, commitments, proof,
                            signature.sign(E, cheat._identity.secret, message, SeededRng(b"x"),
                                           purpose=dkg.IDENTITY_PURPOSE))

    forged = signed(a.commitments, SchnorrProof(a.proof.challenge, a.proof.response + Scalar(1)))
    with pytest.raises(ShareVerificationError) as info:
        dkg.election_key(announcements[:2] + [forged], 2, 3, E, keys)
    assert info.value.dealer == 3 and not isinstance(info.value, CeremonyAuthenticationError)
    # A commitment vector of the wrong length is also attributed.
    short = signed(a.commitments[:1], a.proof)
    with pytest.raises(ShareVerificationError) as info:
        dkg.election_key(announcements[:2] + [short], 2, 3, E, keys)
    assert info.value.dealer == 3 and not isinstance(info.value, CeremonyAuthenticationError)


def test_announcements_are_bound_to_their_election():
    _, dealers, announcements, _ = ceremony(2, 3)
    with pytest.raises(ShareVerificationError):
        dkg.election_key(announcements, 2, 3, b"another election", identity_keys(dealers))


def test_parameters_are_checked():
    for t, n in ((0, 3), (4, 3)):
        with pytest.raises(ParameterError):
            recipes.run_key_ceremony(t, n, E, SeededRng(b"p"))
    identity = TrusteeIdentity.generate(SeededRng(b"p"))
    with pytest.raises(ParameterError):
        dkg.Dealer(4, 2, 3, E, identity=identity, identity_keys=[identity.public] * 3,
                   rng=SeededRng(b"p"))


@pytest.mark.parametrize("t,n", [(1, 1), (1, 3), (2, 3), (3, 5), (4, 4)])
def test_election_key_json_must_be_one_polynomial(t, n):
    key, _ = recipes.run_key_ceremony(t, n, E, SeededRng(b"poly %d %d" % (t, n)))
    doc = key.to_json()
    assert ElectionKey.from_json(doc) == key
    shifted = [(Point.from_hex(x) + GENERATOR).hex() for x in doc["verification_keys"]]
    for j in range(n):   # any single verification key changed
        bad = {**doc, "verification_keys": doc["verification_keys"][:j] + [shifted[j]]
               + doc["verification_keys"][j + 1:]}
        with pytest.raises(DecodingError):
            ElectionKey.from_json(bad)
    with pytest.raises(DecodingError):   # the public key changed
        ElectionKey.from_json({**doc, "public_key": (key.public_key + GENERATOR).hex()})
    if n > 1:   # two keys swapped
        swapped = doc["verification_keys"][::-1]
        if swapped != doc["verification_keys"]:
            with pytest.raises(DecodingError):
                ElectionKey.from_json({**doc, "verification_keys": swapped})
    # A threshold that does not match the keys: t − 1 puts X_t off the polynomial, t + 1
    # would overstate the threshold (the keys lie on a polynomial of lower degree).
    for wrong in (t - 1, t + 1):
        if 1 <= wrong <= n:
            with pytest.raises(DecodingError):
                ElectionKey.from_json({**doc, "threshold": wrong})


def _plaintexts(points):
    return [extract_bytes(p) for p in points]


def test_combine_is_reachable_only_through_verification():
    assert not hasattr(threshold, "combine")
    assert "combine" not in recipes.__all__


def test_trustees_that_do_not_exist_are_dropped_and_named(three_of_five):
    key, _, ciphertexts, partials = three_of_five
    outsider = PartialDecryption(6, partials[1].shares)
    zero = PartialDecryption(0, partials[3].shares)
    result = threshold.verify_and_combine(key, E, ciphertexts,
                                          [partials[1], outsider, partials[2], zero,
                                           partials[4]], workers=1)
    assert [e.trustee for e in result.dropped] == [6, 0]
    assert _plaintexts(result.plaintexts) == [b"ballot %d" % i for i in range(3)]
    with pytest.raises(NotEnoughSharesError) as info:
        threshold.verify_and_combine(key, E, ciphertexts, [partials[1], partials[2], outsider],
                                     workers=1)
    assert [e.trustee for e in info.value.dropped] == [6]


def test_any_t_of_n_trustees_decrypt(three_of_five):
    key, _, ciphertexts, partials = three_of_five
    for trustees in itertools.combinations(range(1, 6), 3):
        plaintexts, dropped = threshold.verify_and_combine(
            key, E, ciphertexts, [partials[t] for t in trustees], workers=1)
        assert _plaintexts(plaintexts) == [b"ballot %d" % i for i in range(3)] and not dropped
    # More than t works too (Lagrange over the actual set).
    result = threshold.verify_and_combine(key, E, ciphertexts, list(partials.values()), workers=2)
    assert extract_bytes(result.plaintexts[1]) == b"ballot 1"


def _forged(partial, vector, value):
    """``partial`` with the share of ``vector`` (component 0) replaced by ``value``·α, its
    proof left as it was: what a cheating trustee (or relay) would try to slip in."""
    doc = partial.to_json()
    doc["shares"][vector][0]["d"] = value.hex()
    return PartialDecryption.from_json(doc)


def test_a_faulty_trustee_is_dropped_and_the_others_decrypt(three_of_five):
    key, _, ciphertexts, partials = three_of_five
    # Trustee 2 claims D for vector 1 such that ballot 1 would decrypt to another payload.
    forged = _forged(partials[2], 1, partials[2].shares[1][0].share + GENERATOR)
    chosen = [partials[1], forged, partials[3], partials[5]]
    plaintexts, dropped = recipes.verify_and_combine(key, E, ciphertexts, chosen, workers=1)
    assert _plaintexts(plaintexts) == [b"ballot %d" % i for i in range(3)]
    assert [(e.trustee, e.position) for e in dropped] == [(2, 1)]
    # Had the forged share been combined unverified, ballot 1 would have changed.
    tampered = threshold._combine(key, ciphertexts, [partials[1], forged, partials[3]])
    assert tampered[1] != plaintexts[1]


def test_fewer_than_t_honest_trustees_is_an_error_naming_the_faulty_ones(three_of_five):
    key, trustees, ciphertexts, partials = three_of_five
    wrong = threshold.partially_decrypt(dkg.TrusteeKey(4, trustees[3].share + Scalar(1), key),
                                        E, ciphertexts, SeededRng(b"w4"), workers=1)
    forged = _forged(partials[2], 2, partials[2].shares[2][0].share + GENERATOR)
    with pytest.raises(NotEnoughSharesError) as info:
        recipes.verify_and_combine(key, E, ciphertexts, [partials[1], forged, wrong, partials[5]],
                                   workers=1)
    assert [(e.trustee, e.position) for e in info.value.dropped] == [(2, 2), (4, 0)]
    assert "trustee 2" in str(info.value) and "trustee 4" in str(info.value)
    with pytest.raises(NotEnoughSharesError) as info:   # honest but too few
        recipes.verify_and_combine(key, E, ciphertexts, [partials[1], partials[5]], workers=1)
    assert info.value.dropped == ()


def test_t_minus_one_trustees_cannot_decrypt(three_of_five):
    key, _, ciphertexts, partials = three_of_five
    for pair in itertools.combinations(range(1, 6), 2):
        with pytest.raises(NotEnoughSharesError):
            threshold.verify_and_combine(key, E, ciphertexts, [partials[t] for t in pair],
                                         workers=1)
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
    with pytest.raises(NotEnoughSharesError) as info:
        recipes.verify_and_combine(key, E, ciphertexts, [partial], workers=1)
    assert [e.trustee for e in info.value.dropped] == [4]


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
        threshold.verify_and_combine(key, E, ciphertexts,
                                     [partials[1], partials[1], partials[2]])


def test_decryption_share_json_refuses_the_identity(three_of_five):
    _, _, _, partials = three_of_five
    doc = partials[1].shares[0][0].to_json()
    with pytest.raises(DecodingError):
        DecryptionShare.from_json({**doc, "d": "00" * 32})
