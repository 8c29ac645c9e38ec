"""Deterministic test vectors for every primitive and recipe (docs/protocol.md).

Run ``python tests/vectors/generate.py`` to rewrite the JSON files beside this script;
``tests/crypto/test_vectors.py`` checks that the stored files equal what the code
computes now, and verifies each stored object through the public verifiers.

All randomness comes from ``SeededRng`` (protocol.md, appendix A) with the seed written
in each file; every random value drawn (keys, encryption randomness, proof nonces) is
also written out, so an implementation does not need to reproduce the draw order.
"""

from __future__ import annotations

import copy
import hashlib
import json
import pathlib
import struct
import sys
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from voting_service.crypto import ballot as ballots
from voting_service.crypto import (disjunctive, dkg, elgamal, encryption_proof, nonce, recipes,
                                   shuffle, signature, threshold)
from voting_service.crypto.credential import (derive_credential, format_letter_code,
                                              generate_letter_code)
from voting_service.crypto.embedding import embed_bytes, encode_int
from voting_service.crypto.errors import NotEnoughSharesError
from voting_service.crypto.group import GENERATOR, IDENTITY, ORDER, Point, Scalar, is_valid_encoding
from voting_service.crypto.rng import SeededRng
from voting_service.crypto.transcript import Transcript, hash_to_point
from voting_service.record.canonical import canonical_bytes

HERE = pathlib.Path(__file__).resolve().parent
ELECTION = bytes.fromhex("a1" * 32)


def _hex_scalars(values) -> list[str]:
    return [v.hex() for v in values]


P = 2**255 - 19
_D = (-121665 * pow(121666, -1, P)) % P
_SQRT_M1 = pow(2, (P - 1) // 4, P)


def _negative(x: int) -> bool:
    return x % P % 2 == 1


def _sqrt_ratio_m1(u: int, v: int) -> tuple[bool, int]:
    r = (u * pow(v, 3, P)) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    check = v * r * r % P
    correct, flipped = check == u % P, check == (-u) % P
    flipped_i = check == (-u * _SQRT_M1) % P
    if flipped or flipped_i:
        r = r * _SQRT_M1 % P
    if _negative(r):
        r = P - r
    return correct or flipped, r


def ristretto_decode_failure(encoding: bytes) -> str | None:
    """RFC 9496 §4.3.1 decoding, step by step: the first check that fails, or None."""
    s = int.from_bytes(encoding, "little")
    if s >= P:
        return "s >= p (non-canonical)" if s < 2**255 else "top bit set"
    if _negative(s):
        return "s negative (odd)"
    ss = s * s % P
    u1, u2 = (1 - ss) % P, (1 + ss) % P
    u2_sqr = u2 * u2 % P
    v = (-(_D * u1 * u1) - u2_sqr) % P
    was_square, invsqrt = _sqrt_ratio_m1(1, v * u2_sqr % P)
    den_x = invsqrt * u2 % P
    den_y = invsqrt * den_x * v % P
    x = 2 * s * den_x % P
    if _negative(x):
        x = P - x
    y = u1 * den_y % P
    if not was_square:
        return "not a square (no square root)"
    if _negative(x * y % P):
        return "t negative"
    if y == 0:
        return "y = 0"
    return None


def _invalid_point_examples() -> list[dict[str, str]]:
    """Encodings rejected for each reason, found by scanning small even s (and a few
    fixed ones); the reference decoder above and libsodium must agree on every one."""
    found: dict[str, bytes] = {}
    for s in range(0, 200, 2):
        enc = s.to_bytes(32, "little")
        reason = ristretto_decode_failure(enc)
        if reason and reason not in found:
            found[reason] = enc
    g = GENERATOR.to_bytes()
    fixed = [(P - 1).to_bytes(32, "little"),                 # y = 0
             P.to_bytes(32, "little"), (P + 2).to_bytes(32, "little"),
             (int.from_bytes(g, "little") + P).to_bytes(32, "little"),
             g[:31] + bytes([g[31] | 0x80]), b"\x01" + bytes(31),
             ((P - int.from_bytes(g, "little"))).to_bytes(32, "little")]
    out = [{"encoding": "00" * 32, "reason": "identity (valid, refused by this protocol)"}]
    for enc in [*found.values(), *fixed]:
        reason = ristretto_decode_failure(enc)
        assert reason is not None and not is_valid_encoding(enc), enc.hex()
        out.append({"encoding": enc.hex(), "reason": reason})
    for s in range(0, 400, 2):   # the reference decoder agrees with libsodium
        enc = s.to_bytes(32, "little")
        assert (ristretto_decode_failure(enc) is None) == (is_valid_encoding(enc) or s == 0)
    return out


def group_vectors() -> dict[str, Any]:
    rng = SeededRng(b"vectors/group")
    scalars = [Scalar(1), Scalar(2), Scalar(ORDER - 1)] + [Scalar.random(rng) for _ in range(3)]
    point = Point.base_mul(Scalar.random_nonzero(rng))
    wide = [rng(64) for _ in range(2)]
    return {
        "seed": "vectors/group", "order": str(ORDER), "generator": GENERATOR.hex(),
        "base_mult": [{"scalar": s.hex(), "point": Point.base_mul(s).hex()} for s in scalars],
        "scalar_mult": [{"point": point.hex(), "scalar": s.hex(), "result": (point * s).hex()}
                        for s in scalars[3:]],
        "addition": {"a": point.hex(), "b": GENERATOR.hex(), "sum": (point + GENERATOR).hex()},
        "wide_reduction": [{"bytes": w.hex(), "scalar": Scalar.from_wide_bytes(w).hex()}
                           for w in wide],
        "uniform_bytes_to_point": [{"bytes": w.hex(), "point": Point.from_uniform_bytes(w).hex()}
                                   for w in wide],
        "hash_to_point": [{"label": label, "index": i, "point": hash_to_point(label, i).hex()}
                          for label, i in (("shuffle/h", 0), ("shuffle/generator", 0),
                                           ("shuffle/generator", 1), ("shuffle/generator", 9999))],
        "invalid_points": _invalid_point_examples(),
        "invalid_scalars": [ORDER.to_bytes(32, "little").hex(), (2**256 - 1).to_bytes(32, "little").hex()],
    }


def _item(tag: int, label: str, value: bytes) -> bytes:
    lb = label.encode()
    return bytes([tag]) + struct.pack(">I", len(lb)) + lb + struct.pack(">Q", len(value)) + value


def _nonce_stream_block(random: bytes, secrets, statement: bytes, index: int) -> bytes:
    """output(N, "nonce", index) of protocol.md §6.6, written out item by item."""
    raw = (_item(1, "domain", b"voting_service/v1/nonce") + _item(2, "random", random)
           + _item(8, "secret", b"".join(x.to_bytes() for x in secrets))
           + _item(2, "statement", statement))
    return hashlib.sha512(raw + _item(0x10, "nonce", struct.pack(">Q", index))).digest()


def transcript_vectors() -> dict[str, Any]:
    p = Point.base_mul(Scalar(5))
    t = (Transcript("example").bytes("election", ELECTION).text("question", "ville")
         .integer("count", 3).scalar("s", Scalar(7)).point("p", p).points("ps", [p, GENERATOR])
         .scalars("ss", [Scalar(1), Scalar(2)]))
    raw = (_item(1, "domain", b"voting_service/v1/example") + _item(2, "election", ELECTION)
           + _item(3, "question", b"ville") + _item(4, "count", struct.pack(">Q", 3))
           + _item(5, "s", Scalar(7).to_bytes()) + _item(6, "p", p.to_bytes())
           + _item(7, "ps", p.to_bytes() + GENERATOR.to_bytes())
           + _item(8, "ss", Scalar(1).to_bytes() + Scalar(2).to_bytes()))
    return {
        "items": [
            {"tag": 1, "label": "domain", "value": "voting_service/v1/example"},
            {"tag": 2, "label": "election", "value": ELECTION.hex()},
            {"tag": 3, "label": "question", "value": "ville"},
            {"tag": 4, "label": "count", "value": 3},
            {"tag": 5, "label": "s", "value": Scalar(7).hex()},
            {"tag": 6, "label": "p", "value": p.hex()},
            {"tag": 7, "label": "ps", "value": [p.hex(), GENERATOR.hex()]},
            {"tag": 8, "label": "ss", "value": [Scalar(1).hex(), Scalar(2).hex()]},
        ],
        "transcript_bytes": raw.hex(),
        "outputs": [{"label": "c", "index": i, "output": t.output("c", i).hex(),
                     "challenge": t.challenge("c", i).hex()} for i in (0, 1)],
    }


def embedding_vectors() -> dict[str, Any]:
    cases = [(b"", 1), (b"\x01\x02\x03", 1), (bytes(range(29)), 1), (b"budget participatif" * 3, 2)]
    return {
        "bytes_per_point": 30,
        "bytes": [{"payload": payload.hex(), "width": width,
                   "points": [q.hex() for q in embed_bytes(payload, width)]}
                  for payload, width in cases],
        "integers": [{"value": v, "point": encode_int(v).hex() if v else None}
                     for v in (0, 1, 2, 1000)],
    }


def elgamal_vectors() -> dict[str, Any]:
    rng = SeededRng(b"vectors/elgamal")
    key = elgamal.KeyPair.generate(rng)
    payload = b"oui"
    message = embed_bytes(payload, 1)[0]
    r, r2 = Scalar.random_nonzero(rng), Scalar.random_nonzero(rng)
    ct = elgamal.encrypt(key.public, message, r)
    again = elgamal.reencrypt(key.public, ct, r2)
    return {"seed": "vectors/elgamal", "secret_key": key.secret.hex(), "public_key": key.public.hex(),
            "message_payload": payload.hex(), "message": message.hex(), "randomness": r.hex(),
            "ciphertext": ct.to_json(),
            "reencryption_randomness": r2.hex(), "reencrypted": again.to_json(),
            "sum": (ct + again).to_json()}


def credential_vectors() -> dict[str, Any]:
    rng = SeededRng(b"vectors/credential")
    out = []
    for _ in range(3):
        code = generate_letter_code(rng)
        c = derive_credential(code, ELECTION)
        out.append({"printed": code, "typed": code.lower().replace("-", " "), "normalised": c.code,
                    "login_token": c.login_token.hex(), "secret": c.secret.hex(),
                    "public_credential": c.public.hex()})
    first = out[0]["normalised"]
    swapped = first[1] + first[0] + first[2:] if first[0] != first[1] else first[:2] + first[3] + first[2] + first[4:]
    # Every separator of §9 once, between symbols; and non-ASCII letters that Unicode
    # upper-casing would turn into alphabet symbols ("ſ" → "S", "ß" → "SS").
    separators = [" ", "\t", "\r", "\n", "-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014",
                  "_", "."]
    assert "S" in first, "the long-s case below needs an S in the code"
    separated = "".join(symbol + (separators[i] if i < len(separators) else "")
                        for i, symbol in enumerate(first.lower()))
    return {"seed": "vectors/credential", "election": ELECTION.hex(), "codes": out,
            "separated": {"typed": separated, "normalised": first},
            "rejected": [{"typed": format_letter_code(first)[:-1], "error": "format"},
                         {"typed": swapped, "error": "checksum"},
                         {"typed": "O" + first[1:], "error": "format"},
                         {"typed": first.replace("S", "\u017f", 1), "error": "format"},
                         {"typed": first[:-2] + "\u00df", "error": "format"},
                         {"typed": first[:5] + "\u00a0" + first[5:], "error": "format"}]}


def _items(*items: tuple[int, str, bytes]) -> bytes:
    return b"".join(_item(tag, label, value) for tag, label, value in items)


def _output(transcript: bytes, label: str, index: int = 0) -> bytes:
    return hashlib.sha512(transcript + _item(0x10, label, struct.pack(">Q", index))).digest()


def randomness_transcript(election: bytes, public_key: Point, ballot: ballots.Ballot,
                          plaintext: bytes) -> bytes:
    """The bytes of the statement that hedges a ballot's randomness (§10.8), item by item."""
    return _items(
        (0x01, "domain", b"voting_service/v1/ballot/randomness"), (0x02, "election", election),
        (0x06, "public_key", public_key.to_bytes()),
        (0x03, "question", ballot.question.encode("utf-8")),
        (0x06, "credential", ballot.credential.to_bytes()),
        (0x04, "seq", struct.pack(">Q", ballot.seq)), (0x02, "prev", ballot.prev),
        (0x02, "checkin", ballot.checkin or b""), (0x02, "plaintext", plaintext),
        (0x04, "width", struct.pack(">Q", ballot.width)))


def body_transcript(election: bytes, ballot: ballots.Ballot) -> bytes:
    """The bytes of the ballot body transcript (§10.2), item by item."""
    points = b"".join(p.to_bytes() for c in ballot.ciphertexts for p in (c.alpha, c.beta))
    scalars = b"".join(s.to_bytes() for s in (ballot.proof.challenge, *ballot.proof.responses))
    return _items(
        (0x01, "domain", b"voting_service/v1/ballot/body/v2"), (0x02, "election", election),
        (0x03, "question", ballot.question.encode("utf-8")),
        (0x06, "credential", ballot.credential.to_bytes()),
        (0x04, "seq", struct.pack(">Q", ballot.seq)), (0x02, "prev", ballot.prev),
        (0x02, "checkin", ballot.checkin or b""), (0x07, "ciphertexts", points),
        (0x08, "proof", scalars))


def ballot_case(key: dkg.ElectionKey, election: bytes, ballot: ballots.Ballot,
                opening: ballots.BallotOpening, draws: list[bytes], *,
                secret: Scalar | None = None, kiosk_seed: bytes | None = None) -> dict[str, Any]:
    """A version 2 ballot (§10) with every intermediate value, each checked here against the
    formulas written out. ``draws`` are what the device took from its random source while
    encrypting and signing: 64 bytes for the randomness, the proof and (online) the
    signature (§10.8). ``secret`` is the credential secret online; ``kiosk_seed`` the
    kiosk's Ed25519 seed. Shared with record/generate.py, so that ballot.json and
    record/ballot_v2.json describe ballots the same way."""
    plaintext = ballots.open_ballot(key, ballot, opening)
    width, y = ballot.width, key.public_key
    random_r, random_proof, *random_sig = draws
    hedge = [] if secret is None else [secret]
    statement = randomness_transcript(election, y, ballot, plaintext)
    r_statement = _output(statement, "nonce")
    for k, r in enumerate(opening.randomness):
        assert Scalar.from_wide_bytes(_nonce_stream_block(random_r, hedge, r_statement, k)) == r
    c = ballot.proof.challenge
    nonces = [s - c * r for s, r in zip(ballot.proof.responses, opening.randomness)]
    proof_statement = encryption_proof._statement(election, y, ballot.credential,
                                                  ballot.question, ballot.ciphertexts)
    proof_statement = proof_statement.output("nonce")
    for k, u in enumerate(nonces):
        assert Scalar.from_wide_bytes(_nonce_stream_block(
            random_proof, opening.randomness, proof_statement, k)) == u
    body = body_transcript(election, ballot)
    message, tracker = _output(body, "message"), _output(body, "tracker")[:32]
    assert message == ballots.message(election, ballot)
    assert tracker == ballots.tracker(election, ballot)
    case = {
        "question": ballot.question, "width": width, "plaintext": plaintext.hex(),
        "embedded": [q.hex() for q in embed_bytes(plaintext, width)],
        "randomness_transcript": statement.hex(), "randomness_nonce_random": random_r.hex(),
        "randomness_nonce_statement": r_statement.hex(),
        "randomness": _hex_scalars(opening.randomness),
        "proof_nonce_random": random_proof.hex(), "proof_nonce_statement": proof_statement.hex(),
        "proof_nonces": _hex_scalars(nonces),
        "proof_commitments": [Point.base_mul(u).hex() for u in nonces],
        "body_transcript": body.hex(), "message": message.hex(), "tracker": tracker.hex(),
    }
    if ballot.checkin is None:
        (random_sig,) = random_sig
        k = ballot.signature.response - ballot.signature.challenge * secret
        sig_statement = signature._statement(signature.BALLOT_PURPOSE, election,
                                             ballot.credential, message).output("nonce")
        assert Scalar.from_wide_bytes(_nonce_stream_block(random_sig, [secret], sig_statement,
                                                          0)) == k
        case.update({"signer": "credential", "credential_secret": secret.hex(),
                     "signature_nonce_random": random_sig.hex(),
                     "signature_nonce_statement": sig_statement.hex(),
                     "signature_nonce": k.hex(), "signature_commitment": Point.base_mul(k).hex()})
    else:
        assert random_sig == []   # Ed25519 signatures are deterministic
        kiosk = Ed25519PrivateKey.from_private_bytes(kiosk_seed)
        case.update({"signer": "kiosk", "kiosk_private_seed": kiosk_seed.hex(),
                     "kiosk_public_key": kiosk.public_key().public_bytes(
                         Encoding.Raw, PublicFormat.Raw).hex()})
    case.update({"ballot": ballot.to_json(), "opening": opening.to_json()})
    return case


def ballot_vectors() -> dict[str, Any]:
    """One online ballot (width 2) and one kiosk ballot of the same voter."""
    rng = SeededRng(b"vectors/ballot")
    key, _ = recipes.run_key_ceremony(1, 1, ELECTION, rng)
    voter = derive_credential(generate_letter_code(rng), ELECTION)
    recording = RecordingRng(rng)
    online, opening = recipes.encrypt_ballot(key, ELECTION, "quartier-nord", bytes(range(40)), 2,
                                             secret=voter.secret, rng=recording)
    cases = [{"label": "online", **ballot_case(key, ELECTION, online, opening, recording.draws,
                                               secret=voter.secret)}]
    kiosk_seed = hashlib.sha256(b"vectors/ballot/kiosk").digest()
    checkin = hashlib.sha256(b"vectors/ballot/checkin").digest()
    recording = RecordingRng(rng)
    unsigned, opening = recipes.encrypt_kiosk_ballot(key, ELECTION, "ville", b"\x05", 1,
                                                     credential=voter.public, checkin=checkin,
                                                     rng=recording)
    kiosk = recipes.sign_kiosk_ballot(ELECTION, unsigned,
                                      Ed25519PrivateKey.from_private_bytes(kiosk_seed))
    cases.append({"label": "kiosk", **ballot_case(key, ELECTION, kiosk, opening, recording.draws,
                                                  kiosk_seed=kiosk_seed)})
    return {
        "seed": "vectors/ballot", "election": ELECTION.hex(), "public_key": key.public_key.hex(),
        "election_key": key.to_json(), "letter_code": voter.code,
        "credential": voter.public.hex(),
        "kiosk_seed": "SHA-256(\"vectors/ballot/kiosk\")",
        "checkin": "SHA-256(\"vectors/ballot/checkin\"), standing for a check-in event's hash",
        "cases": cases,
    }


def range_proof_vectors() -> dict[str, Any]:
    rng = SeededRng(b"vectors/range")
    key, voter = elgamal.KeyPair.generate(rng), elgamal.KeyPair.generate(rng)
    cases = []
    for value, maximum in ((0, 1), (1, 1), (2, 3)):
        r = Scalar.random_nonzero(rng)
        ct = elgamal.encrypt(key.public, encode_int(value), r)
        recording = RecordingRng(rng)
        proof = disjunctive.prove(ELECTION, key.public, voter.public, ct, value, r, maximum,
                                  recording)
        statement = disjunctive._statement(ELECTION, key.public, voter.public, maximum,
                                           ct).output("nonce")
        commitments = []
        for j, (c_j, s_j) in enumerate(zip(proof.challenges, proof.responses)):
            shifted = ct.beta - GENERATOR * Scalar(j) if j else ct.beta
            commitments.append({"a": (Point.base_mul(s_j) - ct.alpha * c_j).hex(),
                                "b": (key.public * s_j - shifted * c_j).hex()})
        total = Scalar(0)
        for c_j in proof.challenges:
            total = total + c_j
        true_nonce = proof.responses[value] - proof.challenges[value] * r
        assert Point.base_mul(true_nonce).hex() == commitments[value]["a"]
        assert Scalar.from_wide_bytes(_nonce_stream_block(
            recording.draws[0], [r, Scalar(value)], statement, 0)) == true_nonce
        cases.append({"value": value, "maximum": maximum, "randomness": r.hex(),
                      "ciphertext": ct.to_json(), "nonce_random": recording.draws[0].hex(),
                      "nonce_statement": statement.hex(), "true_branch_nonce": true_nonce.hex(),
                      "simulated_branches": [j for j in range(maximum + 1) if j != value],
                      "commitments": commitments, "challenge": total.hex(),
                      "proof": proof.to_json()})
    return {"seed": "vectors/range", "election": ELECTION.hex(), "public_key": key.public.hex(),
            "credential": voter.public.hex(), "cases": cases}


def signature_vectors() -> dict[str, Any]:
    rng = SeededRng(b"vectors/signature")
    key = elgamal.KeyPair.generate(rng)
    message = b"message to sign"
    recording = RecordingRng(rng)
    sig = signature.sign(ELECTION, key.secret, message, recording)
    (random,) = recording.draws
    k = sig.response - sig.challenge * key.secret
    statement = signature._statement(signature.BALLOT_PURPOSE, ELECTION, key.public,
                                     message).output("nonce")
    assert Scalar.from_wide_bytes(_nonce_stream_block(random, [key.secret], statement, 0)) == k
    return {"seed": "vectors/signature", "election": ELECTION.hex(),
            "purpose": signature.BALLOT_PURPOSE, "secret_key": key.secret.hex(),
            "public_key": key.public.hex(), "message": message.hex(),
            "nonce_random": random.hex(), "nonce_statement": statement.hex(), "nonce": k.hex(),
            "commitment": Point.base_mul(k).hex(), "signature": sig.to_json()}


class RecordingRng:
    """Passes draws through from a SeededRng and remembers them (to list the X25519
    ephemeral secrets, which the ceremony draws and forgets)."""

    def __init__(self, rng):
        self.rng, self.draws = rng, []

    def __call__(self, n):
        out = self.rng(n)
        self.draws.append(out)
        return out


def _x25519_public(secret: bytes) -> bytes:
    return X25519PrivateKey.from_private_bytes(secret).public_key().public_bytes(
        Encoding.Raw, PublicFormat.Raw)


def ceremony_vectors() -> dict[str, Any]:
    rng = SeededRng(b"vectors/ceremony")
    identities = [recipes.make_trustee_identity(rng) for _ in range(3)]
    identity_keys = [i.public for i in identities]
    dealers = [recipes.make_trustee(i, 2, 3, ELECTION, identity=identities[i - 1],
                                    identity_keys=identity_keys, rng=rng) for i in (1, 2, 3)]
    announcements = [d.announcement for d in dealers]
    shares, ephemeral_secrets = [], {}
    for d in dealers:
        recording = RecordingRng(rng)
        dealt = d.deal(announcements, recording)
        # deal() draws, per recipient: 32 bytes (ephemeral X25519 secret), 64 (signature nonce)
        secrets = [x for x in recording.draws if len(x) == 32]
        for share, secret in zip(dealt, secrets):
            assert _x25519_public(secret) == share.ephemeral_key
            ephemeral_secrets[(share.dealer, share.recipient)] = secret
        shares += dealt
    keys = [d.receive(announcements, shares) for d in dealers]
    election_key = keys[0].election_key
    transport_secrets = [d._transport.private_bytes_raw() for d in dealers]

    envelopes = []
    for share in shares:
        recipient_secret = transport_secrets[share.recipient - 1]
        recipient_key = announcements[share.recipient - 1].transport_key
        shared = X25519PrivateKey.from_private_bytes(recipient_secret).exchange(
            X25519PublicKey.from_public_bytes(share.ephemeral_key))
        binding = dkg._share_binding(ELECTION, share.dealer, share.recipient,
                                     share.ephemeral_key, recipient_key)
        envelopes.append({
            "dealer": share.dealer, "recipient": share.recipient,
            "ephemeral_secret": ephemeral_secrets[(share.dealer, share.recipient)].hex(),
            "shared_secret": shared.hex(), "binding": binding.hex(),
            "aead_key": dkg._share_key(shared, binding).hex(),
            "plaintext": dealers[share.dealer - 1].evaluate(share.recipient).hex(),
            "tag": share.ciphertext[32:].hex(),
            "signed_message": dkg.share_message(
                ELECTION, 2, 3, share.dealer, share.recipient, identity_keys[share.dealer - 1],
                announcements[share.dealer - 1].commitments, recipient_key,
                share.ephemeral_key, share.ciphertext).hex()})

    ciphertexts = [elgamal.encrypt_vector(election_key.public_key, embed_bytes(b"bulletin %d" % i, 1),
                                          elgamal.random_scalars(1, rng)) for i in range(2)]
    partials, randoms = [], []
    for k in keys[::2]:
        recording = RecordingRng(rng)
        partials.append(threshold.partially_decrypt(k, ELECTION, ciphertexts, recording,
                                                    workers=1))
        randoms += recording.draws
    alphas = [c.alpha.to_bytes() for v in ciphertexts for c in v]
    proof_details = []
    for k, partial, random in zip(keys[::2], partials, randoms):
        statement = threshold._context(ELECTION, k.trustee).point_encodings(
            "alphas", alphas).output("nonce")
        rows = []
        for vector, vector_shares in zip(ciphertexts, partial.shares):
            for ct, share in zip(vector, vector_shares):
                share_nonce = share.proof.response - share.proof.challenge * k.share
                assert Scalar.from_wide_bytes(_nonce_stream_block(
                    random, [k.share], statement, len(rows))) == share_nonce
                rows.append({"nonce": share_nonce.hex(), "a": Point.base_mul(share_nonce).hex(),
                             "b": (ct.alpha * share_nonce).hex()})
        proof_details.append({"trustee": k.trustee, "nonce_random": random.hex(),
                              "nonce_statement": statement.hex(), "components": rows})
    plaintexts, _ = threshold.verify_and_combine(election_key, ELECTION, ciphertexts, partials,
                                                 workers=1)
    # Trustee 2's partial decryption with the share of vector 1 (0-based) swapped for
    # another point, its proof kept: dropped by combination, which goes on with 1 and 3.
    faulty = threshold.partially_decrypt(keys[1], ELECTION, ciphertexts,
                                         SeededRng(b"vectors/ceremony/faulty"), workers=1).to_json()
    faulty["shares"][1][0]["d"] = (Point.from_hex(faulty["shares"][1][0]["d"]) + GENERATOR).hex()
    faulty_partial = threshold.PartialDecryption.from_json(faulty)
    combinations = []
    for chosen in ([partials[0], faulty_partial, partials[1]], [partials[0], faulty_partial]):
        entry = {"trustees": [p.trustee for p in chosen],
                 "dropped": [{"trustee": 2, "position": 1}]}
        try:
            points, dropped = threshold.verify_and_combine(election_key, ELECTION, ciphertexts,
                                                           chosen, workers=1)
        except NotEnoughSharesError as error:
            dropped, entry["error"] = error.dropped, error.code
        else:
            entry["plaintext_points"] = [[q.hex() for q in v] for v in points]
        assert [{"trustee": e.trustee, "position": e.position} for e in dropped] == entry["dropped"]
        combinations.append(entry)
    return {
        "seed": "vectors/ceremony", "election": ELECTION.hex(), "threshold": 2, "count": 3,
        "identity_secrets": [i.secret.hex() for i in identities],
        "identity_keys": [k.hex() for k in identity_keys],
        "transport_secrets": [x.hex() for x in transport_secrets],
        "constant_terms": [dealers[i].evaluate(0).hex() for i in range(3)],
        "share_values": [[dealers[i].evaluate(j).hex() for j in (1, 2, 3)] for i in range(3)],
        "announcements": [a.to_json() for a in announcements],
        "announcement_signed_messages": [dkg.announcement_message(
            ELECTION, 2, 3, a.dealer, identity_keys[a.dealer - 1], a.transport_key,
            a.commitments, a.proof).hex() for a in announcements],
        "encrypted_shares": [s.to_json() for s in shares],
        "envelope_details": envelopes,
        "trustee_secret_shares": [k.share.hex() for k in keys],
        "election_key": election_key.to_json(),
        "ciphertexts": [elgamal.vector_to_json(v) for v in ciphertexts],
        "partial_decryptions": [p.to_json() for p in partials],
        "partial_decryption_proofs": proof_details,
        "lagrange": {str(t): Scalar(w).hex()
                     for t, w in threshold.lagrange_coefficients([1, 3]).items()},
        "plaintext_points": [[q.hex() for q in v] for v in plaintexts],
        "plaintexts": [(b"bulletin %d" % i).hex() for i in range(2)],
        "faulty_partial_decryption": faulty,
        "combinations": combinations,
    }


def _sum(points_) -> Point:
    total = IDENTITY
    for p in points_:
        total = total + p
    return total


def _statement_transcript(public_key, inputs, outputs, commitments, width):
    t = Transcript("shuffle").bytes("election", ELECTION).point("public_key", public_key)
    t.integer("count", len(inputs)).integer("width", width)
    t.points("inputs", [p for v in inputs for c in v for p in (c.alpha, c.beta)])
    t.points("outputs", [p for v in outputs for c in v for p in (c.alpha, c.beta)])
    return t.points("commitments", commitments)


def shuffle_vectors() -> dict[str, Any]:
    rng = SeededRng(b"vectors/shuffle")
    key = elgamal.KeyPair.generate(rng)
    n, width = 4, 2
    inputs = [elgamal.encrypt_vector(key.public, embed_bytes(b"vote %d" % i, width),
                                     elgamal.random_scalars(width, rng)) for i in range(n)]
    # Replay the prover's draws (protocol.md §6.6 stream, appendix A order) on a copy.
    replay = RecordingRng(copy.deepcopy(rng))
    outputs, proof = shuffle.shuffle_and_prove(ELECTION, key.public, inputs, rng, workers=1)
    prefix = shuffle._input_statement(ELECTION, key.public, width,
                                      [shuffle._vector_encodings(v) for v in inputs])
    statement_digest = prefix.output("nonce")
    stream = nonce.hedged(replay, prefix, [])
    (random,) = replay.draws
    psi = shuffle.random_permutation(n, stream)
    assert psi != list(range(n)), "pick another seed: the vector needs a real permutation"
    draw = lambda: Scalar(shuffle._rand(stream))  # noqa: E731
    reenc = [[draw() for _ in range(width)] for _ in range(n)]
    perm_r = [draw() for _ in range(n)]
    r_hat = [draw() for _ in range(n)]
    omega = [draw() for _ in range(3)]
    omega4 = [draw() for _ in range(width)]
    omega_hat = [draw() for _ in range(n)]
    omega_prime = [draw() for _ in range(n)]

    y, h = key.public, shuffle.commitment_generator()
    gens = [shuffle.generator(i) for i in range(n)]
    for i in range(n):   # e'_i = ReEnc(e_ψ(i), r'_i); c_ψ(i) = r_ψ(i)·G + h_i
        assert outputs[i] == tuple(elgamal.reencrypt(y, c, r) for c, r in zip(inputs[psi[i]], reenc[i]))
        assert proof.commitments[psi[i]] == Point.base_mul(perm_r[psi[i]]) + gens[i]
    statement = _statement_transcript(y, inputs, outputs, proof.commitments, width)
    u = [statement.challenge("u", i) for i in range(n)]
    u_prime = [u[psi[i]] for i in range(n)]
    chain = [h]
    for i in range(n):
        chain.append(Point.base_mul(r_hat[i]) + chain[-1] * u_prime[i])
    assert tuple(chain[1:]) == proof.chain
    t1, t2 = Point.base_mul(omega[0]), Point.base_mul(omega[1])
    t3 = Point.base_mul(omega[2]) + _sum(g * w for g, w in zip(gens, omega_prime))
    t4 = []
    for k in range(width):
        t4 += [_sum(v[k].alpha * w for v, w in zip(outputs, omega_prime)) - Point.base_mul(omega4[k]),
               _sum(v[k].beta * w for v, w in zip(outputs, omega_prime)) - y * omega4[k]]
    t_hat = [Point.base_mul(omega_hat[i]) + chain[i] * omega_prime[i] for i in range(n)]
    final = statement.copy().points("chain", proof.chain).point("t1", t1).point("t2", t2)
    final.point("t3", t3).points("t4", t4).points("t_hat", t_hat)
    assert final.challenge("c") == proof.challenge

    # What the verifier recomputes (equal to the prover's t values for a valid proof).
    c = proof.challenge
    u_product = Scalar(1)
    for ui in u:
        u_product = u_product * ui
    c_bar = _sum(proof.commitments) - _sum(gens)
    c_hat = chain[n] - h * u_product
    c_tilde = _sum(ci * ui for ci, ui in zip(proof.commitments, u))
    a_tilde = [_sum(v[k].alpha * ui for v, ui in zip(inputs, u)) for k in range(width)]
    b_tilde = [_sum(v[k].beta * ui for v, ui in zip(inputs, u)) for k in range(width)]
    assert Point.base_mul(proof.s1) - c_bar * c == t1
    assert Point.base_mul(proof.s2) - c_hat * c == t2
    return {"seed": "vectors/shuffle", "election": ELECTION.hex(), "public_key": key.public.hex(),
            "h": h.hex(), "generators": [g.hex() for g in gens],
            "inputs": [elgamal.vector_to_json(v) for v in inputs],
            "outputs": [elgamal.vector_to_json(v) for v in outputs], "proof": proof.to_json(),
            "count": n, "width": width,
            "prover": {
                "nonce_random": random.hex(), "nonce_statement": statement_digest.hex(),
                "permutation": psi,
                "reencryption_randomness": [_hex_scalars(r) for r in reenc],
                "commitment_randomness": _hex_scalars(perm_r),
                "chain_randomness": _hex_scalars(r_hat),
                "omega": _hex_scalars(omega), "omega4": _hex_scalars(omega4),
                "omega_hat": _hex_scalars(omega_hat), "omega_prime": _hex_scalars(omega_prime),
                "u_permuted": _hex_scalars(u_prime),
            },
            "u": _hex_scalars(u),
            "commitment_chain": [p.hex() for p in chain],
            "verifier": {
                "u_product": u_product.hex(), "c_bar": c_bar.hex(), "c_hat": c_hat.hex(),
                "c_tilde": c_tilde.hex(), "a_tilde": [p.hex() for p in a_tilde],
                "b_tilde": [p.hex() for p in b_tilde],
            },
            "recomputed_commitments": {"t1": t1.hex(), "t2": t2.hex(), "t3": t3.hex(),
                                       "t4": [p.hex() for p in t4],
                                       "t_hat": [p.hex() for p in t_hat]}}


def _shift_scalar(text: str) -> str:
    return (Scalar.from_hex(text) + Scalar(1)).hex()


def negative_vectors() -> dict[str, Any]:
    """Objects that MUST be rejected, each with everything needed to try it."""
    sig, ballot, rng_cases = signature_vectors(), ballot_vectors(), range_proof_vectors()
    ceremony, mix = ceremony_vectors(), shuffle_vectors()
    cases = []

    bad = copy.deepcopy(sig["signature"])
    bad["s"] = _shift_scalar(bad["s"])
    base = {"kind": "signature", "code": "bad_signature", "election": sig["election"],
            "public_key": sig["public_key"], "message": sig["message"]}
    cases.append({**base, "reason": "response s changed", "signature": bad})
    cases.append({**base, "reason": "another message", "message": b"another message".hex(),
                  "signature": sig["signature"]})
    s_plus_order = Scalar.from_hex(sig["signature"]["s"]).value + ORDER
    cases.append({**base, "reason": "response s = s + ℓ (same value mod ℓ, not canonical)",
                  "code": "non_canonical_scalar",
                  "signature": {**sig["signature"],
                                "s": s_plus_order.to_bytes(32, "little").hex()}})
    cases.append({**base, "reason": "unknown field in the signature object",
                  "code": "decoding_error", "signature": {**sig["signature"], "k": "00" * 32}})

    other = derive_credential(generate_letter_code(SeededRng(b"vectors/negative")), ELECTION)
    online, kiosk = ballot["cases"]
    base = {"kind": "ballot", "code": "bad_proof", "election": ballot["election"],
            "public_key": ballot["public_key"], "question": online["question"],
            "width": online["width"], "ballot": online["ballot"]}
    cases.append({**base, "reason": "replayed under another voter's credential (proof fails)",
                  "ballot": {**online["ballot"], "credential": other.public.hex()}})
    cases.append({**base, "reason": "checked as the answer to another question",
                  "question": "quartier-sud"})
    tampered = copy.deepcopy(online["ballot"])
    tampered["ciphertexts"][0], tampered["ciphertexts"][1] = (tampered["ciphertexts"][1],
                                                             tampered["ciphertexts"][0])
    cases.append({**base, "reason": "ciphertexts reordered", "ballot": tampered})
    tampered = copy.deepcopy(online["ballot"])
    tampered["ciphertexts"][1]["alpha"] = "00" * 32
    cases.append({**base, "reason": "identity point as α_2", "code": "identity_point",
                  "ballot": tampered})
    tampered = copy.deepcopy(online["ballot"])
    beta = bytearray(bytes.fromhex(tampered["ciphertexts"][0]["beta"]))
    beta[31] |= 0x80
    tampered["ciphertexts"][0]["beta"] = beta.hex()
    cases.append({**base, "reason": "β_1 with its top bit set (not a canonical encoding)",
                  "code": "invalid_point", "ballot": tampered})
    cases.append({**base, "reason": "seq changed after signing (a replayed place in the chain)",
                  "code": "bad_signature", "ballot": {**online["ballot"], "seq": 2}})
    other_kiosk = Ed25519PrivateKey.from_private_bytes(
        hashlib.sha256(b"vectors/negative/kiosk").digest()).public_key()
    cases.append({**base, "reason": "kiosk ballot checked under another kiosk's key",
                  "code": "bad_signature", "question": kiosk["question"],
                  "width": kiosk["width"], "ballot": kiosk["ballot"],
                  "kiosk_key": other_kiosk.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()})

    rng = SeededRng(b"vectors/negative/range")
    key, voter = elgamal.KeyPair.generate(rng), elgamal.KeyPair.generate(rng)
    r = Scalar.random_nonzero(rng)
    ct = elgamal.encrypt(key.public, encode_int(2), r)
    forged = disjunctive.prove(ELECTION, key.public, voter.public, ct, 1, r, 1, rng)
    cases.append({"kind": "range_proof", "code": "bad_proof",
                  "reason": "encrypts 2, proof claims 0/1",
                  "election": ELECTION.hex(), "public_key": key.public.hex(),
                  "credential": voter.public.hex(), "maximum": 1, "ciphertext": ct.to_json(),
                  "proof": forged.to_json()})
    case = rng_cases["cases"][2]
    cases.append({"kind": "range_proof", "code": "bad_proof",
                  "reason": "checked with another maximum",
                  "election": rng_cases["election"], "public_key": rng_cases["public_key"],
                  "credential": rng_cases["credential"], "maximum": 2,
                  "ciphertext": case["ciphertext"], "proof": case["proof"]})

    election_key = dkg.ElectionKey.from_json(ceremony["election_key"])
    cts = [elgamal.vector_from_json(v) for v in ceremony["ciphertexts"]]
    wrong = dkg.TrusteeKey(3, Scalar.from_hex(ceremony["trustee_secret_shares"][2]) + Scalar(1),
                           election_key)
    partial = threshold.partially_decrypt(wrong, ELECTION, cts, SeededRng(b"vectors/negative/pd"),
                                          workers=1)
    base = {"kind": "partial_decryption", "code": "bad_partial_decryption",
            "election": ceremony["election"], "election_key": ceremony["election_key"],
            "ciphertexts": ceremony["ciphertexts"]}
    cases.append({**base, "reason": "decrypted with a wrong key share",
                  "partial_decryption": partial.to_json(), "trustee": 3, "position": 0})
    cases.append({**base, "reason": "share of the second ciphertext vector (position 1) "
                  "replaced", "partial_decryption": ceremony["faulty_partial_decryption"],
                  "trustee": 2, "position": 1})

    vks = copy.deepcopy(ceremony["election_key"])
    vks["verification_keys"][2] = (Point.from_hex(vks["verification_keys"][2]) + GENERATOR).hex()
    cases.append({"kind": "election_key", "code": "decoding_error",
                  "reason": "X_3 not on the polynomial through X_1, X_2",
                  "election_key": vks})
    announcements = copy.deepcopy(ceremony["announcements"])
    announcements[1]["transport_key"] = bytes(range(32)).hex()
    cases.append({"kind": "announcements", "code": "authentication_failure",
                  "reason": "transport key of dealer 2 substituted",
                  "election": ceremony["election"], "threshold": 2, "count": 3,
                  "identity_keys": ceremony["identity_keys"], "announcements": announcements,
                  "dealer": 2})
    envelope = copy.deepcopy(ceremony["encrypted_shares"][1])
    envelope["recipient"] = 3
    cases.append({"kind": "envelope", "code": "authentication_failure",
                  "reason": "share for trustee 2 redirected to trustee 3",
                  "election": ceremony["election"], "threshold": 2, "count": 3,
                  "identity_keys": ceremony["identity_keys"],
                  "announcements": ceremony["announcements"], "envelope": envelope,
                  "dealer": envelope["dealer"]})

    base = {"kind": "shuffle", "code": "bad_shuffle", "election": mix["election"],
            "public_key": mix["public_key"],
            "inputs": mix["inputs"], "outputs": mix["outputs"], "proof": mix["proof"]}
    swapped = copy.deepcopy(mix["outputs"])
    swapped[0], swapped[1] = swapped[1], swapped[0]
    cases.append({**base, "reason": "two outputs swapped", "outputs": swapped})
    altered = copy.deepcopy(mix["outputs"])
    altered[2][1]["beta"] = (Point.from_hex(altered[2][1]["beta"]) + GENERATOR).hex()
    cases.append({**base, "reason": "one output altered", "outputs": altered})
    proof = copy.deepcopy(mix["proof"])
    proof["s_prime"][3] = _shift_scalar(proof["s_prime"][3])
    cases.append({**base, "reason": "response s'_4 changed", "proof": proof})
    return {"cases": cases}


def manifest_vectors() -> dict[str, Any]:
    """A small frozen manifest (protocol.md §9), its canonical bytes and its fingerprint.

    The strings exercise every escaping rule: quote, backslash, the short escapes, other
    control characters (lower-case \\u00XX), and characters written as themselves ("/",
    U+007F, U+2028, non-ASCII, a character outside the BMP); keys are unsorted on input.
    """
    project = {"title": "Bancs \"confort\" / accès PMR", "id": "p-bancs", "cost": 45000,
               "summary": "Phase 1\tquartier\nvoir C:\\plans — 🌳\u2028fin\u001f\u007f\b\f\r",
               "category": "Espace public", "district": "nord", "external_ref": None}
    manifest = {
        "version": 1, "id": "pb-2026", "title": "Budget participatif 2026", "city": "Évry",
        "starts_at": "2026-03-01T08:00:00Z", "ends_at": "2026-03-15T18:00:00Z",
        "districts": [{"id": "nord", "name": "Quartier Nord"}, {"id": "sud", "name": "Sud"}],
        "polling_points": [{"id": "mairie", "name": "Hôtel de ville",
                            "address": "1 place de l'Église"}],
        "questions": [{"id": "ville", "title": "Projets pour toute la ville", "district": None,
                       "budget": 300000, "currency": "EUR",
                       "format": {"kind": "approval", "min": 0, "max": 3},
                       "rule": {"rule": "mes", "satisfaction": "cost"},
                       "projects": [project, {**project, "id": "p-arbres", "cost": 120000,
                                              "title": "Arbres ｡ 😀", "summary": "",
                                              "external_ref": "CONSUL-17", "district": None}]}],
    }
    canonical = canonical_bytes(manifest)
    return {"manifest": manifest, "canonical": canonical.decode("utf-8"),
            "canonical_hex": canonical.hex(), "fingerprint": hashlib.sha256(canonical).hexdigest()}


BUILDERS = {
    "group": group_vectors, "transcript": transcript_vectors, "embedding": embedding_vectors,
    "elgamal": elgamal_vectors, "credential": credential_vectors, "signature": signature_vectors,
    "ballot": ballot_vectors, "range_proof": range_proof_vectors, "ceremony": ceremony_vectors,
    "shuffle": shuffle_vectors, "negative": negative_vectors, "manifest": manifest_vectors,
}


def build_all() -> dict[str, Any]:
    return {name: build() for name, build in BUILDERS.items()}


def render(vector: Any) -> str:
    return json.dumps(vector, indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    for name, vector in build_all().items():
        (HERE / f"{name}.json").write_text(render(vector), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
