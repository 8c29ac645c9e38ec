"""The stored test vectors equal what the code computes, and verify through the public API."""

import importlib.util
import json
import pathlib

import pytest

from voting_service.crypto import disjunctive, dkg, recipes, shuffle, signature, threshold
from voting_service.crypto.credential import derive_credential
from voting_service.crypto.elgamal import Ciphertext, vector_from_json
from voting_service.crypto.errors import (DecodingError, LetterCodeChecksumError, LetterCodeError)
from voting_service.crypto.group import Point, Scalar

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
    for case in v["rejected"]:
        expected = LetterCodeChecksumError if case["error"] == "checksum" else LetterCodeError
        with pytest.raises(expected):
            derive_credential(case["typed"], election)


def test_ballot_vector_verifies():
    v = load("ballot")
    election = bytes.fromhex(v["election"])
    key = dkg.ElectionKey(Point.from_hex(v["public_key"]), 1, (Point.from_hex(v["public_key"]),))
    ballot = recipes.Ballot.from_json(v["ballot"], width=v["width"])
    recipes.verify_ballot(key, election, ballot, question=v["question"], width=v["width"],
                          credential=Point.from_hex(v["credential"]))
    assert derive_credential(v["letter_code"], election).public.hex() == v["credential"]


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
    points = recipes.verify_and_combine(key, election, ciphertexts, partials, workers=1)
    assert [recipes.decode_plaintext(p).hex() for p in points] == v["plaintexts"]


def test_shuffle_vector_verifies():
    v = load("shuffle")
    shuffle.verify(bytes.fromhex(v["election"]), Point.from_hex(v["public_key"]),
                   [vector_from_json(x) for x in v["inputs"]],
                   [vector_from_json(x) for x in v["outputs"]],
                   shuffle.ShuffleProof.from_json(v["proof"]), workers=1)
