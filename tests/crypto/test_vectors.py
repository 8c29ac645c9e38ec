"""The stored test vectors equal what the code computes, and verify through the public API."""

import hashlib
import importlib.util
import json
import pathlib
import struct

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from voting_service.crypto import disjunctive, dkg, recipes, shuffle, signature, threshold
from voting_service.crypto.credential import derive_credential
from voting_service.crypto.elgamal import Ciphertext, vector_from_json
from voting_service.crypto.embedding import embed_bytes
from voting_service.crypto.errors import (CeremonyAuthenticationError, CryptoError, DecodingError,
                                          InvalidProofError, InvalidShuffleError,
                                          LetterCodeChecksumError, LetterCodeError,
                                          PartialDecryptionError)
from voting_service.crypto.group import ORDER, Point, Scalar
from voting_service.record.canonical import canonical_bytes

VECTORS = pathlib.Path(__file__).resolve().parent.parent / "vectors"


def _generator():
    spec = importlib.util.spec_from_file_location("vector_generator", VECTORS / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load(name):
    return json.loads((VECTORS / f"{name}.json").read_text(encoding="utf-8"))


def test_stored_vectors_match_the_code():
    generator = _generator()
    built = generator.build_all()
    stored = {path.stem for path in VECTORS.glob("*.json")}
    assert stored == set(built), "regenerate with: python tests/vectors/generate.py"
    for name, vector in built.items():
        assert generator.render(vector) == (VECTORS / f"{name}.json").read_text(encoding="utf-8"), name


def test_group_vectors_reject_what_they_list():
    v = load("group")
    for case in v["invalid_points"]:
        with pytest.raises(DecodingError):
            Point.from_hex(case["encoding"])
    for text in v["invalid_scalars"]:
        with pytest.raises(DecodingError):
            Scalar.from_hex(text)


def test_credential_vectors():
    v = load("credential")
    election = bytes.fromhex(v["election"])
    for case in v["codes"]:
        c = derive_credential(case["typed"], election)
        assert (c.code, c.login_token.hex(), c.secret.hex(), c.public.hex()) == (
            case["normalised"], case["login_token"], case["secret"], case["public_credential"])
    assert derive_credential(v["separated"]["typed"], election).code == v["separated"]["normalised"]
    for case in v["rejected"]:
        expected = LetterCodeChecksumError if case["error"] == "checksum" else LetterCodeError
        with pytest.raises(expected) as info:
            derive_credential(case["typed"], election)
        assert type(info.value) is expected, case


def test_ballot_vectors_verify():
    v = load("ballot")
    election = bytes.fromhex(v["election"])
    key = dkg.ElectionKey.from_json(v["election_key"])
    assert key.public_key.hex() == v["public_key"]
    assert derive_credential(v["letter_code"], election).public.hex() == v["credential"]
    for case in v["cases"]:
        ballot = recipes.Ballot.from_json(case["ballot"], width=case["width"])
        assert ballot.to_json() == case["ballot"] and ballot.credential.hex() == v["credential"]
        kiosk_key = bytes.fromhex(case["kiosk_public_key"]) if case["signer"] == "kiosk" \
            else None
        recipes.verify_ballot(key, election, ballot, question=case["question"],
                              width=case["width"], kiosk_key=kiosk_key)
        assert recipes.ballot_tracker(election, ballot).hex() == case["tracker"]
        opening = recipes.BallotOpening.from_json(case["opening"])
        assert recipes.open_ballot(key, ballot, opening).hex() == case["plaintext"]


def test_signature_and_range_vectors_verify():
    s = load("signature")
    signature.verify(bytes.fromhex(s["election"]), Point.from_hex(s["public_key"]),
                     bytes.fromhex(s["message"]), signature.Signature.from_json(s["signature"]))
    r = load("range_proof")
    for case in r["cases"]:
        disjunctive.verify(bytes.fromhex(r["election"]), Point.from_hex(r["public_key"]),
                           Point.from_hex(r["credential"]), Ciphertext.from_json(case["ciphertext"]),
                           disjunctive.RangeProof.from_json(case["proof"]), case["maximum"])


def test_ceremony_vectors_verify():
    v = load("ceremony")
    election = bytes.fromhex(v["election"])
    announcements = [dkg.Announcement.from_json(a) for a in v["announcements"]]
    identity_keys = [Point.from_hex(k) for k in v["identity_keys"]]
    key = dkg.election_key(announcements, v["threshold"], v["count"], election, identity_keys)
    assert key.to_json() == v["election_key"]
    ciphertexts = [vector_from_json(c) for c in v["ciphertexts"]]
    partials = [threshold.PartialDecryption.from_json(p) for p in v["partial_decryptions"]]
    points, dropped = recipes.verify_and_combine(key, election, ciphertexts, partials, workers=1)
    assert dropped == ()
    assert [recipes.decode_plaintext(p).hex() for p in points] == v["plaintexts"]


def test_shuffle_vector_verifies():
    v = load("shuffle")
    shuffle.verify(bytes.fromhex(v["election"]), Point.from_hex(v["public_key"]),
                   [vector_from_json(x) for x in v["inputs"]],
                   [vector_from_json(x) for x in v["outputs"]],
                   shuffle.ShuffleProof.from_json(v["proof"]), workers=1)


def _reject(case):
    """Run the verifier a negative case names; return the exception it raised."""
    kind = case["kind"]
    election = bytes.fromhex(case.get("election", ""))
    with pytest.raises(CryptoError) as info:
        if kind == "signature":
            signature.verify(election, Point.from_hex(case["public_key"]),
                             bytes.fromhex(case["message"]),
                             signature.Signature.from_json(case["signature"]))
        elif kind == "ballot":
            y = Point.from_hex(case["public_key"])
            kiosk_key = bytes.fromhex(case["kiosk_key"]) if "kiosk_key" in case else None
            recipes.verify_ballot(dkg.ElectionKey(y, 1, (y,)), election,
                                  recipes.Ballot.from_json(case["ballot"]),
                                  question=case["question"], width=case["width"],
                                  kiosk_key=kiosk_key)
        elif kind == "range_proof":
            disjunctive.verify(election, Point.from_hex(case["public_key"]),
                               Point.from_hex(case["credential"]),
                               Ciphertext.from_json(case["ciphertext"]),
                               disjunctive.RangeProof.from_json(case["proof"]), case["maximum"])
        elif kind == "partial_decryption":
            threshold.verify_partial_decryption(
                dkg.ElectionKey.from_json(case["election_key"]), election,
                [vector_from_json(c) for c in case["ciphertexts"]],
                threshold.PartialDecryption.from_json(case["partial_decryption"]), workers=1)
        elif kind == "election_key":
            dkg.ElectionKey.from_json(case["election_key"])
        elif kind == "announcements":
            dkg.election_key([dkg.Announcement.from_json(a) for a in case["announcements"]],
                             case["threshold"], case["count"], election,
                             [Point.from_hex(k) for k in case["identity_keys"]])
        elif kind == "envelope":
            announcements = [dkg.Announcement.from_json(a) for a in case["announcements"]]
            share = dkg.EncryptedShare.from_json(case["envelope"])
            dkg.verify_share_signature(share, announcements[share.dealer - 1], case["threshold"],
                                       case["count"], election,
                                       [Point.from_hex(k) for k in case["identity_keys"]],
                                       announcements[share.recipient - 1].transport_key)
        elif kind == "shuffle":
            shuffle.verify(election, Point.from_hex(case["public_key"]),
                           [vector_from_json(x) for x in case["inputs"]],
                           [vector_from_json(x) for x in case["outputs"]],
                           shuffle.ShuffleProof.from_json(case["proof"]), workers=1)
        else:  # pragma: no cover
            raise AssertionError(f"unknown kind {kind}")
    return info.value


#: The kinds of negative case and the error class each must raise (the code is checked too).
EXPECTED_ERRORS = {
    "signature": CryptoError, "ballot": CryptoError,
    "range_proof": InvalidProofError, "partial_decryption": PartialDecryptionError,
    "election_key": DecodingError, "announcements": CeremonyAuthenticationError,
    "envelope": CeremonyAuthenticationError, "shuffle": InvalidShuffleError,
}


def _error_classes(base=CryptoError):
    yield base
    for sub in base.__subclasses__():
        yield from _error_classes(sub)


def test_negative_vectors_are_rejected_with_their_code():
    cases = load("negative")["cases"]
    assert {c["kind"] for c in cases} == set(EXPECTED_ERRORS)
    codes = {cls.code for cls in _error_classes()}
    for case in cases:
        error = _reject(case)
        assert isinstance(error, EXPECTED_ERRORS[case["kind"]]), (case["reason"], error)
        assert case["code"] in codes and error.code == case["code"], (case["reason"], error)
        if "dealer" in case:
            assert error.dealer == case["dealer"]
        if "trustee" in case:
            assert (error.trustee, error.position) == (case["trustee"], case["position"])
    assert {"non_canonical_scalar", "identity_point", "invalid_point", "decoding_error",
            "bad_proof", "bad_signature"} <= {c["code"] for c in cases}


def test_every_failure_code_is_distinct_and_documented():
    classes = list(_error_classes())
    assert len({cls.code for cls in classes}) == len(classes)
    protocol = (VECTORS.parent.parent / "docs" / "protocol.md").read_text(encoding="utf-8")
    appendix = protocol[protocol.index("## Appendix B"):]
    for cls in classes:
        assert f"`{cls.code}`" in appendix, cls.code


def test_combination_drops_the_faulty_trustee():
    v = load("ceremony")
    election = bytes.fromhex(v["election"])
    key = dkg.ElectionKey.from_json(v["election_key"])
    ciphertexts = [vector_from_json(c) for c in v["ciphertexts"]]
    by_trustee = {p["trustee"]: p for p in v["partial_decryptions"]}
    by_trustee[2] = v["faulty_partial_decryption"]
    for case in v["combinations"]:
        partials = [threshold.PartialDecryption.from_json(by_trustee[t]) for t in case["trustees"]]
        if "error" in case:
            with pytest.raises(CryptoError) as info:
                recipes.verify_and_combine(key, election, ciphertexts, partials, workers=1)
            assert info.value.code == case["error"]
            dropped = info.value.dropped
        else:
            points, dropped = recipes.verify_and_combine(key, election, ciphertexts, partials,
                                                         workers=1)
            assert [[q.hex() for q in p] for p in points] == case["plaintext_points"]
            assert case["plaintext_points"] == v["plaintext_points"]
        assert [{"trustee": e.trustee, "position": e.position} for e in dropped] == case["dropped"]


def test_vector_intermediates_are_consistent():
    """Spot checks that the listed intermediate values are what their names say."""
    v = load("ceremony")
    for detail, share in zip(v["envelope_details"], v["encrypted_shares"]):
        secret = bytes.fromhex(v["transport_secrets"][share["recipient"] - 1])
        shared = X25519PrivateKey.from_private_bytes(secret).exchange(
            X25519PublicKey.from_public_bytes(bytes.fromhex(share["ephemeral_key"])))
        assert shared.hex() == detail["shared_secret"]
        ephemeral = X25519PrivateKey.from_private_bytes(bytes.fromhex(detail["ephemeral_secret"]))
        assert ephemeral.exchange(X25519PublicKey.from_public_bytes(bytes.fromhex(
            v["announcements"][share["recipient"] - 1]["transport_key"]))) == shared
    s = load("shuffle")
    assert s["commitment_chain"][0] == s["h"] and s["commitment_chain"][1:] == s["proof"]["chain"]
    assert sorted(s["prover"]["permutation"]) == list(range(len(s["inputs"])))


# --- hedged nonces (§6.6), recomputed with hashlib from the spec alone ---------------------

def _item(tag: int, label: str, value: bytes) -> bytes:
    return (bytes([tag]) + struct.pack(">I", len(label)) + label.encode()
            + struct.pack(">Q", len(value)) + value)


def _stream(random_hex: str, secrets_hex: list[str], statement_hex: str, length: int) -> bytes:
    n = (_item(1, "domain", b"voting_service/v1/nonce")
         + _item(2, "random", bytes.fromhex(random_hex))
         + _item(8, "secret", b"".join(bytes.fromhex(x) for x in secrets_hex))
         + _item(2, "statement", bytes.fromhex(statement_hex)))
    out = b""
    while len(out) < length:
        out += hashlib.sha512(n + _item(0x10, "nonce", struct.pack(">Q", len(out) // 64))).digest()
    return out[:length]


def _wide(data: bytes) -> str:
    return (int.from_bytes(data, "little") % ORDER).to_bytes(32, "little").hex()


def _statement_digest(purpose: str, *items: bytes) -> str:
    data = _item(1, "domain", f"voting_service/v1/{purpose}".encode()) + b"".join(items)
    return hashlib.sha512(data + _item(0x10, "nonce", struct.pack(">Q", 0))).hexdigest()


def test_signature_nonce_is_hedged_as_specified():
    v = load("signature")
    assert v["purpose"] == "signature"
    assert v["nonce_statement"] == _statement_digest(
        v["purpose"], _item(2, "election", bytes.fromhex(v["election"])),
        _item(6, "public_key", bytes.fromhex(v["public_key"])),
        _item(2, "message", bytes.fromhex(v["message"])))
    stream = _stream(v["nonce_random"], [v["secret_key"]], v["nonce_statement"], 64)
    assert _wide(stream) == v["nonce"]


def _ballot_files():
    """(election, public key, cases) of ballot.json and of record/ballot_v2.json."""
    record = json.loads((VECTORS / "record" / "ballot_v2.json").read_text(encoding="utf-8"))
    return [(bytes.fromhex(v["election"]), bytes.fromhex(v["public_key"]), v["cases"])
            for v in (load("ballot"), record)]


@pytest.mark.parametrize("election, public_key, cases", _ballot_files(),
                         ids=["ballot", "record/ballot_v2"])
def test_ballot_randomness_nonces_body_and_tracker_are_as_specified(election, public_key,
                                                                       cases):
    """§10.8, §6.6, §6.3, §10.2 and §6.5, rebuilt from each case's JSON alone."""
    for case in cases:
        b = case["ballot"]
        width, online = case["width"], b["checkin"] is None
        credential = bytes.fromhex(b["credential"])
        # The items both the randomness statement and the body start with (the body
        # without public_key).
        head = (_item(2, "election", election), _item(6, "public_key", public_key),
                _item(3, "question", b["question"].encode()), _item(6, "credential", credential),
                _item(4, "seq", struct.pack(">Q", b["seq"])),
                _item(2, "prev", bytes.fromhex(b["prev"])),
                _item(2, "checkin", b"" if online else bytes.fromhex(b["checkin"])))
        randomness = (_item(1, "domain", b"voting_service/v1/ballot/randomness") + b"".join(head)
                      + _item(2, "plaintext", bytes.fromhex(case["plaintext"]))
                      + _item(4, "width", struct.pack(">Q", width)))
        assert randomness.hex() == case["randomness_transcript"]
        assert case["randomness_nonce_statement"] == hashlib.sha512(
            randomness + _item(0x10, "nonce", struct.pack(">Q", 0))).hexdigest()
        hedge = [case["credential_secret"]] if online else []
        stream = _stream(case["randomness_nonce_random"], hedge,
                         case["randomness_nonce_statement"], 64 * width)
        assert [_wide(stream[64 * k:64 * k + 64]) for k in range(width)] == case["randomness"]
        ciphertexts = b"".join(bytes.fromhex(c[k]) for c in b["ciphertexts"]
                               for k in ("alpha", "beta"))
        assert case["proof_nonce_statement"] == _statement_digest(
            "ballot/encryption-proof", _item(2, "election", election),
            _item(6, "public_key", public_key), _item(6, "credential", credential),
            _item(3, "question", b["question"].encode()), _item(7, "ciphertexts", ciphertexts))
        stream = _stream(case["proof_nonce_random"], case["randomness"],
                         case["proof_nonce_statement"], 64 * width)
        assert [_wide(stream[64 * k:64 * k + 64]) for k in range(width)] == case["proof_nonces"]
        proof = b"".join(bytes.fromhex(x) for x in [b["proof"]["c"], *b["proof"]["s"]])
        body = (_item(1, "domain", b"voting_service/v1/ballot/body/v2") + head[0]
                + b"".join(head[2:]) + _item(7, "ciphertexts", ciphertexts)
                + _item(8, "proof", proof))
        assert body.hex() == case["body_transcript"]
        message = hashlib.sha512(body + _item(0x10, "message", struct.pack(">Q", 0))).digest()
        tracker = hashlib.sha512(body + _item(0x10, "tracker", struct.pack(">Q", 0))).digest()
        assert (message.hex(), tracker[:32].hex()) == (case["message"], case["tracker"])
        if online:
            assert case["signature_nonce_statement"] == _statement_digest(
                "signature", _item(2, "election", election), _item(6, "public_key", credential),
                _item(2, "message", message))
            stream = _stream(case["signature_nonce_random"], [case["credential_secret"]],
                             case["signature_nonce_statement"], 64)
            assert _wide(stream) == case["signature_nonce"]


def test_range_partial_decryption_and_shuffle_nonces_come_from_the_stream():
    r = load("range_proof")
    for case in r["cases"]:
        value = case["value"].to_bytes(32, "little").hex()
        stream = _stream(case["nonce_random"], [case["randomness"], value],
                         case["nonce_statement"], 64)
        assert _wide(stream) == case["true_branch_nonce"]
    c = load("ceremony")
    for trustee in c["partial_decryption_proofs"]:
        secret = c["trustee_secret_shares"][trustee["trustee"] - 1]
        rows = trustee["components"]
        stream = _stream(trustee["nonce_random"], [secret], trustee["nonce_statement"],
                         64 * len(rows))
        assert [_wide(stream[64 * i:64 * i + 64]) for i in range(len(rows))] == \
            [row["nonce"] for row in rows]
    s = load("shuffle")
    prover = s["prover"]
    stream = _stream(prover["nonce_random"], [], prover["nonce_statement"], 24 + 64)
    # Fisher–Yates for N = 4 reads three 8-byte values first (none rejected here), so the
    # first re-encryption randomness is the wide reduction of stream bytes 24 … 87.
    assert s["count"] == 4 and _wide(stream[24:88]) == prover["reencryption_randomness"][0][0]
    permutation = list(range(4))
    for step, i in enumerate((3, 2, 1)):   # j = random_below(i + 1)
        j = int.from_bytes(stream[8 * step:8 * step + 8], "big") % (i + 1)
        permutation[i], permutation[j] = permutation[j], permutation[i]
    assert permutation == prover["permutation"]
    assert prover["permutation"] != list(range(s["count"]))


def test_manifest_fingerprint_vector():
    v = load("manifest")
    canonical = canonical_bytes(v["manifest"])
    assert canonical.hex() == v["canonical_hex"]
    assert canonical.decode("utf-8") == v["canonical"]
    assert hashlib.sha256(canonical).hexdigest() == v["fingerprint"]
    # The object has the keys §9 lists, and the vector exercises each escaping rule.
    manifest = v["manifest"]
    assert set(manifest) == {"version", "id", "title", "city", "starts_at", "ends_at",
                             "districts", "polling_points", "questions"}
    assert set(manifest["questions"][0]) == {"id", "title", "district", "budget", "currency",
                                             "format", "rule", "projects"}
    assert set(manifest["questions"][0]["projects"][0]) == {
        "id", "title", "summary", "cost", "category", "district", "external_ref"}
    text = v["canonical"]
    for written in ('\\"', "\\\\", "\\t", "\\n", "\\b", "\\f", "\\r", "\\u001f", "/", "\x7f",
                    "\u2028", "🌳", "è"):
        assert written in text, written
    assert text.startswith('{"city":"Évry","districts":[{"id":"nord"')


def test_elgamal_vector_says_what_its_fields_are():
    v = load("elgamal")
    message = Point.from_hex(v["message"])
    assert embed_bytes(bytes.fromhex(v["message_payload"]), 1) == (message,)
    y, x = Point.from_hex(v["public_key"]), Scalar.from_hex(v["secret_key"])
    ct, again = Ciphertext.from_json(v["ciphertext"]), Ciphertext.from_json(v["reencrypted"])
    r, r2 = Scalar.from_hex(v["randomness"]), Scalar.from_hex(v["reencryption_randomness"])
    assert ct == Ciphertext(Point.base_mul(r), message + y * r)
    assert again == Ciphertext(ct.alpha + Point.base_mul(r2), ct.beta + y * r2)
    total = Ciphertext.from_json(v["sum"])
    assert total == Ciphertext(ct.alpha + again.alpha, ct.beta + again.beta)
    assert total.beta - total.alpha * x == message + message
    assert total.alpha == Point.base_mul(r + r + r2)


def test_share_envelopes_are_ciphertext_then_tag():
    v = load("ceremony")
    for detail, share in zip(v["envelope_details"], v["encrypted_shares"]):
        ct = bytes.fromhex(share["ciphertext"])
        assert len(ct) == 48 and ct[32:].hex() == detail["tag"]
        aead = ChaCha20Poly1305(bytes.fromhex(detail["aead_key"]))
        plaintext = aead.decrypt(bytes(12), ct[:32] + bytes.fromhex(detail["tag"]),
                                 bytes.fromhex(detail["binding"]))
        assert plaintext.hex() == detail["plaintext"]
