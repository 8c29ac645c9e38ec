"""Every Fiat–Shamir challenge hashes the whole statement and every commitment.

Single-field mutation tests (test_proofs.py) cannot see a challenge that *omits* part of
the statement: if the code forgot to hash, say, the credential, changing the credential
would still be caught by nothing but luck. Here the SHA-512 object used by ``Transcript``
is replaced by a recording one, so each test sees the exact items hashed into each
challenge, parses them back (tag, label, value), and compares them with the item list that
docs/protocol.md prescribes, built here independently from the statement and the proof
(commitments recomputed from the responses as a verifier does). The challenge recomputed
from that list with plain hashlib must also equal the one in the proof. A removed,
reordered or relabelled item fails; ``test_an_omitted_statement_element_is_detected``
shows it on a deliberately broken Schnorr challenge.
"""

from __future__ import annotations

import hashlib
import struct
import types

import pytest

from voting_service.crypto import (chaum_pedersen, disjunctive, dkg, recipes,
                                   schnorr, shuffle, signature, threshold, transcript)
from voting_service.crypto.credential import derive_credential, generate_letter_code
from voting_service.crypto.elgamal import KeyPair, encrypt, encrypt_vector, random_scalars
from voting_service.crypto.embedding import embed_bytes, encode_int
from voting_service.crypto.group import GENERATOR, ORDER, Point, Scalar
from voting_service.crypto.rng import SeededRng

E = b"challenge inputs election"
_SHA512 = hashlib.sha512


# --- recording ----------------------------------------------------------------------------

class _RecordingHash:
    """A SHA-512 object that also keeps the bytes fed to it; each digest is logged."""

    def __init__(self, log, data=b""):
        self._log, self._h, self._chunks = log, _SHA512(), []
        if data:
            self.update(data)

    def update(self, data):
        self._chunks.append(bytes(data))
        self._h.update(data)

    def copy(self):
        other = object.__new__(_RecordingHash)
        other._log, other._h, other._chunks = self._log, self._h.copy(), list(self._chunks)
        return other

    def digest(self):
        self._log.append(_parse(b"".join(self._chunks)))
        return self._h.digest()


def _parse(data: bytes) -> list[tuple[int, str, bytes]]:
    items, at = [], 0
    while at < len(data):
        tag = data[at]
        (label_length,) = struct.unpack(">I", data[at + 1:at + 5])
        label = data[at + 5:at + 5 + label_length].decode("ascii")
        at += 5 + label_length
        (value_length,) = struct.unpack(">Q", data[at:at + 8])
        items.append((tag, label, data[at + 8:at + 8 + value_length]))
        at += 8 + value_length
    return items


@pytest.fixture
def hashed(monkeypatch):
    """The list of hashed transcripts (each a list of items, ending with the output item)."""
    log: list[list[tuple[int, str, bytes]]] = []
    monkeypatch.setattr(transcript, "hashlib",
                        types.SimpleNamespace(sha512=lambda: _RecordingHash(log)))
    return log


def challenges(log, purpose: str, output: str = "c") -> list[list]:
    domain = f"voting_service/v1/{purpose}".encode()
    return [items for items in log
            if items[0] == (0x01, "domain", domain) and items[-1][0] == 0x10
            and items[-1][1] == output]


# --- the expected items, written from docs/protocol.md §3 ----------------------------------

def domain(purpose):
    return (0x01, "domain", f"voting_service/v1/{purpose}".encode())


def raw(label, value):
    return (0x02, label, bytes(value))


def text(label, value):
    return (0x03, label, value.encode("utf-8"))


def integer(label, value):
    return (0x04, label, struct.pack(">Q", value))


def point(label, value):
    return (0x06, label, value.to_bytes())


def points(label, values):
    return (0x07, label, b"".join(v.to_bytes() for v in values))


def scalars(label, values):
    return (0x08, label, b"".join(v.to_bytes() for v in values))


def output(label, index=0):
    return (0x10, label, struct.pack(">Q", index))


def serialise(items) -> bytes:
    out = b""
    for tag, label, value in items:
        label_bytes = label.encode("ascii")
        out += (bytes([tag]) + struct.pack(">I", len(label_bytes)) + label_bytes
                + struct.pack(">Q", len(value)) + value)
    return out


def challenge_of(items) -> Scalar:
    return Scalar(int.from_bytes(_SHA512(serialise(items)).digest(), "little") % ORDER)


def assert_hashed(log, purpose, expected, challenge=None, output_label="c", at_least=1):
    """Every recorded challenge of this purpose hashed exactly ``expected`` (and so every
    statement element and commitment); the independent hash gives the proof's challenge."""
    found = challenges(log, purpose, output_label)
    assert len(found) >= at_least, f"no {output_label!r} drawn in domain {purpose!r}"
    for items in found:
        assert [label for _, label, _ in items] == [label for _, label, _ in expected]
        assert items == expected
    if challenge is not None:
        assert challenge_of(expected) == challenge


def ciphertext_points(vector):
    return [p for c in vector for p in (c.alpha, c.beta)]


# --- one test per proof and signature type --------------------------------------------------

def _schnorr_case(log):
    rng = SeededRng(b"schnorr")
    key = KeyPair.generate(rng)
    context = transcript.Transcript("test/schnorr").bytes("election", E)
    proof = schnorr.prove(context, key.public, key.secret, rng)
    schnorr.verify(context, key.public, proof)
    commitment = Point.base_mul(proof.response) - key.public * proof.challenge
    assert_hashed(log, "test/schnorr", [
        domain("test/schnorr"), raw("election", E), point("public", key.public),
        point("commitment", commitment), output("c")], proof.challenge, at_least=2)


def test_schnorr_challenge_hashes_context_statement_and_commitment(hashed):
    _schnorr_case(hashed)


def test_an_omitted_statement_element_is_detected(hashed, monkeypatch):
    """The check above fails for a challenge that forgets the public key."""
    def forgetful(context, public):
        return context.copy()

    monkeypatch.setattr(schnorr, "_statement", forgetful)
    with pytest.raises(AssertionError):
        _schnorr_case(hashed)


def test_chaum_pedersen_challenge(hashed):
    rng = SeededRng(b"cp")
    x = Scalar.random_nonzero(rng)
    g2 = Point.base_mul(Scalar.random_nonzero(rng))
    h1, h2 = Point.base_mul(x), g2 * x
    context = transcript.Transcript("test/cp").bytes("election", E)
    proof = chaum_pedersen.prove(context, GENERATOR, h1, g2, h2, x, rng)
    chaum_pedersen.verify(context, GENERATOR, h1, g2, h2, proof)
    c, s = proof.challenge, proof.response
    assert_hashed(hashed, "test/cp", [
        domain("test/cp"), raw("election", E), point("g1", GENERATOR), point("h1", h1),
        point("g2", g2), point("h2", h2), point("a", Point.base_mul(s) - h1 * c),
        point("b", g2 * s - h2 * c), output("c")], c, at_least=2)


def _ballot_body(ballot, output_label):
    """§10.2: the body transcript B, with the output drawn from it."""
    proof = ballot.proof
    return [domain("ballot/body/v2"), raw("election", E), text("question", ballot.question),
            point("credential", ballot.credential), integer("seq", ballot.seq),
            raw("prev", ballot.prev), raw("checkin", ballot.checkin or b""),
            points("ciphertexts", ciphertext_points(ballot.ciphertexts)),
            scalars("proof", [proof.challenge, *proof.responses]), output(output_label)]


def _randomness_statement(key, ballot, plaintext):
    """§10.8: the statement S that hedges the encryption randomness."""
    return [domain("ballot/randomness"), raw("election", E), point("public_key", key.public_key),
            text("question", ballot.question), point("credential", ballot.credential),
            integer("seq", ballot.seq), raw("prev", ballot.prev),
            raw("checkin", ballot.checkin or b""), raw("plaintext", plaintext),
            integer("width", ballot.width), output("nonce")]


def _assert_randomness_hedged(log, statement, secrets):
    """§6.6: the randomness is read from N = T("nonce")[random, secret, statement]."""
    assert_hashed(log, "ballot/randomness", statement, output_label="nonce")
    digest = _SHA512(serialise(statement)).digest()
    expected = [scalars("secret", secrets), raw("statement", digest)]
    assert any(items[2:4] == expected for items in challenges(log, "nonce", "nonce"))


def test_ballot_randomness_encryption_proof_body_tracker_and_signature(hashed):
    """§10.8 (randomness), §6.3 (with the credential), §10.2 (message and tracker) and §6.5,
    for one online ballot (a re-vote: seq 2 and a prev)."""
    rng = SeededRng(b"ballot")
    key, _ = recipes.run_key_ceremony(1, 1, E, rng)
    voter = derive_credential(generate_letter_code(rng), E)
    hashed.clear()
    ballot, _ = recipes.encrypt_ballot(key, E, "quartier-sud", b"choix", 2, secret=voter.secret,
                                       seq=2, prev=bytes(range(32)), rng=rng)
    _assert_randomness_hedged(hashed, _randomness_statement(key, ballot, b"choix"),
                              [voter.secret])
    hashed.clear()
    recipes.verify_ballot(key, E, ballot, question="quartier-sud", width=2)
    tracker = recipes.ballot_tracker(E, ballot)
    proof, cts, y = ballot.proof, ballot.ciphertexts, key.public_key
    commitments = [Point.base_mul(s) - ct.alpha * proof.challenge
                   for s, ct in zip(proof.responses, cts)]
    assert_hashed(hashed, "ballot/encryption-proof", [
        domain("ballot/encryption-proof"), raw("election", E), point("public_key", y),
        point("credential", voter.public), text("question", "quartier-sud"),
        points("ciphertexts", ciphertext_points(cts)), points("commitments", commitments),
        output("c")], proof.challenge)
    body = _ballot_body(ballot, "message")
    assert_hashed(hashed, "ballot/body/v2", body, output_label="message")
    assert_hashed(hashed, "ballot/body/v2", _ballot_body(ballot, "tracker"),
                  output_label="tracker")
    assert tracker == _SHA512(serialise(_ballot_body(ballot, "tracker"))).digest()[:32]
    message = _SHA512(serialise(body)).digest()
    sig = ballot.signature
    assert_hashed(hashed, "signature", [
        domain("signature"), raw("election", E), point("public_key", voter.public),
        raw("message", message),
        point("commitment", Point.base_mul(sig.response) - voter.public * sig.challenge),
        output("c")], sig.challenge)


def test_kiosk_ballot_randomness_and_body(hashed):
    """The kiosk's statement and body carry the check-in; its randomness has no secret."""
    rng = SeededRng(b"kiosk ballot")
    key, _ = recipes.run_key_ceremony(1, 1, E, rng)
    voter = derive_credential(generate_letter_code(rng), E)
    hashed.clear()
    ballot, _ = recipes.encrypt_kiosk_ballot(key, E, "ville", b"\x03", 1,
                                             credential=voter.public, checkin=bytes(range(32)),
                                             rng=rng)
    _assert_randomness_hedged(hashed, _randomness_statement(key, ballot, b"\x03"), [])
    hashed.clear()
    tracker = recipes.ballot_tracker(E, ballot)
    assert_hashed(hashed, "ballot/body/v2", _ballot_body(ballot, "tracker"),
                  output_label="tracker")
    assert tracker == _SHA512(serialise(_ballot_body(ballot, "tracker"))).digest()[:32]


def test_signature_challenge(hashed):
    rng = SeededRng(b"sig")
    key = KeyPair.generate(rng)
    sig = signature.sign(E, key.secret, b"some message", rng)
    signature.verify(E, key.public, b"some message", sig)
    assert_hashed(hashed, "signature", [
        domain("signature"), raw("election", E), point("public_key", key.public),
        raw("message", b"some message"),
        point("commitment", Point.base_mul(sig.response) - key.public * sig.challenge),
        output("c")], sig.challenge, at_least=2)


@pytest.mark.parametrize("value,maximum", [(0, 1), (1, 1), (2, 3)])
def test_range_proof_challenge(hashed, value, maximum):
    rng = SeededRng(b"range")
    key, voter = KeyPair.generate(rng), KeyPair.generate(rng)
    r = Scalar.random_nonzero(rng)
    ct = encrypt(key.public, encode_int(value), r)
    proof = disjunctive.prove(E, key.public, voter.public, ct, value, r, maximum, rng)
    disjunctive.verify(E, key.public, voter.public, ct, proof, maximum)
    commitments = []
    for j, (c_j, s_j) in enumerate(zip(proof.challenges, proof.responses)):
        shifted = ct.beta - GENERATOR * Scalar(j) if j else ct.beta
        commitments += [Point.base_mul(s_j) - ct.alpha * c_j, key.public * s_j - shifted * c_j]
    total = Scalar(sum(c.value for c in proof.challenges) % ORDER)
    assert_hashed(hashed, "ballot/range-proof", [
        domain("ballot/range-proof"), raw("election", E), point("public_key", key.public),
        point("credential", voter.public), integer("maximum", maximum),
        point("alpha", ct.alpha), point("beta", ct.beta), points("commitments", commitments),
        output("c")], total, at_least=2)


def test_dkg_proof_of_knowledge_identity_signatures_and_share_binding(hashed):
    rng = SeededRng(b"dkg")
    identities = [dkg.TrusteeIdentity.generate(rng) for _ in range(2)]
    keys = [i.public for i in identities]
    dealers = [dkg.Dealer(i, 2, 2, E, identity=identities[i - 1], identity_keys=keys, rng=rng)
               for i in (1, 2)]
    announcements = [d.announcement for d in dealers]
    shares = [s for d in dealers for s in d.deal(announcements, rng)]
    hashed.clear()
    dealers[0].receive(announcements, shares)
    for a in announcements:
        x = a.commitments[0]
        statement = [domain("dkg/proof-of-knowledge"), raw("election", E),
                     integer("threshold", 2), integer("count", 2), integer("dealer", a.dealer),
                     raw("transport_key", a.transport_key), points("commitments", a.commitments)]
        r = Point.base_mul(a.proof.response) - x * a.proof.challenge
        expected = statement + [point("public", x), point("commitment", r), output("c")]
        assert expected in challenges(hashed, "dkg/proof-of-knowledge")
        assert challenge_of(expected) == a.proof.challenge
        # The identity signature over the whole announcement.
        body = [domain("dkg/announcement"), raw("election", E), integer("threshold", 2),
                integer("count", 2), integer("dealer", a.dealer),
                point("identity_key", keys[a.dealer - 1]), raw("transport_key", a.transport_key),
                points("commitments", a.commitments),
                scalars("proof", [a.proof.challenge, a.proof.response]), output("message")]
        assert body in challenges(hashed, "dkg/announcement", "message")
        _assert_identity_signature(hashed, keys[a.dealer - 1], body, a.signature)
    assert len(challenges(hashed, "dkg/proof-of-knowledge")) == 2
    assert len(challenges(hashed, "dkg/announcement", "message")) == 2
    for share in (s for s in shares if s.recipient == 1):
        dealer = announcements[share.dealer - 1]
        body = [domain("dkg/share-envelope"), raw("election", E), integer("threshold", 2),
                integer("count", 2), integer("dealer", share.dealer), integer("recipient", 1),
                point("identity_key", keys[share.dealer - 1]),
                points("commitments", dealer.commitments),
                raw("recipient_key", announcements[0].transport_key),
                raw("ephemeral_key", share.ephemeral_key), raw("ciphertext", share.ciphertext),
                output("message")]
        assert body in challenges(hashed, "dkg/share-envelope", "message")
        _assert_identity_signature(hashed, keys[share.dealer - 1], body, share.signature)
        binding = [domain("dkg/share"), raw("election", E), integer("dealer", share.dealer),
                   integer("recipient", 1), raw("ephemeral_key", share.ephemeral_key),
                   raw("recipient_key", announcements[0].transport_key), output("binding")]
        assert binding in challenges(hashed, "dkg/share", "binding")
    assert len(challenges(hashed, "dkg/share-envelope", "message")) == 2
    assert len(challenges(hashed, "dkg/share", "binding")) == 2


def _assert_identity_signature(log, identity_key, body, sig):
    message = _SHA512(serialise(body)).digest()
    commitment = Point.base_mul(sig.response) - identity_key * sig.challenge
    expected = [domain(dkg.IDENTITY_PURPOSE), raw("election", E),
                point("public_key", identity_key), raw("message", message),
                point("commitment", commitment), output("c")]
    assert expected in challenges(log, dkg.IDENTITY_PURPOSE)
    assert challenge_of(expected) == sig.challenge


def test_partial_decryption_challenge(hashed):
    rng = SeededRng(b"partial")
    key, trustees = recipes.run_key_ceremony(2, 3, E, rng)
    cts = [encrypt_vector(key.public_key, embed_bytes(b"x%d" % i, 2), random_scalars(2, rng))
           for i in range(2)]
    partial = threshold.partially_decrypt(trustees[2], E, cts, rng, workers=1)
    threshold.verify_partial_decryption(key, E, cts, partial, workers=1)
    vk = key.verification_key(3)
    found = challenges(hashed, "threshold/partial-decryption")
    assert len(found) == 2 * 4   # each of the 4 components, proved then verified
    for vector, shares in zip(cts, partial.shares):
        for ct, share in zip(vector, shares):
            c, s = share.proof.challenge, share.proof.response
            expected = [domain("threshold/partial-decryption"), raw("election", E),
                        integer("trustee", 3), point("g1", GENERATOR), point("h1", vk),
                        point("g2", ct.alpha), point("h2", share.share),
                        point("a", Point.base_mul(s) - vk * c),
                        point("b", ct.alpha * s - share.share * c), output("c")]
            assert found.count(expected) == 2
            assert challenge_of(expected) == c


def test_shuffle_challenges(hashed):
    """The u_i and the final challenge, with t1 … t̂ recomputed here from §8 alone."""
    rng = SeededRng(b"shuffle")
    key = KeyPair.generate(rng)
    n, w = 3, 2
    inputs = [encrypt_vector(key.public, embed_bytes(b"v%d" % i, w), random_scalars(w, rng))
              for i in range(n)]
    outputs, proof = shuffle.shuffle_and_prove(E, key.public, inputs, rng, workers=1)
    shuffle.verify(E, key.public, inputs, outputs, proof, workers=1)
    y = key.public
    statement = [domain("shuffle"), raw("election", E), point("public_key", y),
                 integer("count", n), integer("width", w),
                 points("inputs", [p for v in inputs for p in ciphertext_points(v)]),
                 points("outputs", [p for v in outputs for p in ciphertext_points(v)]),
                 points("commitments", proof.commitments)]
    u = [challenge_of(statement + [output("u", i)]) for i in range(n)]
    for i in range(n):
        assert len([t for t in challenges(hashed, "shuffle", "u")
                    if t == statement + [output("u", i)]]) == 2   # prover and verifier

    h, gens = shuffle.commitment_generator(), [shuffle.generator(i) for i in range(n)]
    c, identity = proof.challenge, Point.from_bytes(bytes(32), allow_identity=True)

    def total(terms):
        out = identity
        for term in terms:
            out = out + term
        return out

    chain = [h, *proof.chain]
    u_product = Scalar(1)
    for ui in u:
        u_product = u_product * ui
    c_bar = total(proof.commitments) - total(gens)
    c_hat = chain[n] - h * u_product
    c_tilde = total(ci * ui for ci, ui in zip(proof.commitments, u))
    t1 = Point.base_mul(proof.s1) - c_bar * c
    t2 = Point.base_mul(proof.s2) - c_hat * c
    t3 = Point.base_mul(proof.s3) + total(g * s for g, s in zip(gens, proof.s_prime)) - c_tilde * c
    t4 = []
    for k in range(w):
        a_tilde = total(v[k].alpha * ui for v, ui in zip(inputs, u))
        b_tilde = total(v[k].beta * ui for v, ui in zip(inputs, u))
        t4 += [total(v[k].alpha * s for v, s in zip(outputs, proof.s_prime))
               - Point.base_mul(proof.s4[k]) - a_tilde * c,
               total(v[k].beta * s for v, s in zip(outputs, proof.s_prime))
               - y * proof.s4[k] - b_tilde * c]
    t_hat = [Point.base_mul(proof.s_hat[i]) + chain[i] * proof.s_prime[i] - chain[i + 1] * c
             for i in range(n)]
    assert_hashed(hashed, "shuffle", statement + [
        points("chain", proof.chain), point("t1", t1), point("t2", t2), point("t3", t3),
        points("t4", t4), points("t_hat", t_hat), output("c")], c, at_least=2)
