"""The safe API end to end: ceremony, ballots, shuffle, threshold decryption."""

import json

import pytest
from click.testing import CliRunner
from crypto_helpers import COSTLY, assert_every_mutation_fails, election_bytes
from hypothesis import given, strategies as st

from voting_service.commands.bench import bench
from voting_service.crypto import recipes
from voting_service.crypto.credential import derive_credential, generate_letter_code
from voting_service.crypto.dkg import ElectionKey
from voting_service.crypto.errors import (CryptoError, InvalidProofError, InvalidSignatureError,
                                          NotEnoughSharesError, PartialDecryptionError)
from voting_service.crypto.group import Point, Scalar
from voting_service.crypto.rng import SeededRng
from voting_service.crypto.threshold import PartialDecryption

E = b"city 2026 fingerprint"


@pytest.fixture(scope="module")
def election():
    rng = SeededRng(b"recipes")
    key, trustees = recipes.run_key_ceremony(2, 3, E, rng)
    voters = [derive_credential(generate_letter_code(rng), E) for _ in range(4)]
    return key, trustees, voters, rng


def _ballot(election, voter=0, plaintext=b"\x01\x00\x01", width=1, rng=None):
    key, _, voters, default_rng = election
    v = voters[voter]
    return recipes.encrypt_ballot(key, E, "city", plaintext, width, credential=v.public,
                                  signing_key=v.secret, rng=rng or default_rng)


def test_end_to_end_tally(election):
    key, trustees, voters, rng = election
    ballots = [_ballot(election, i, b"choice %d" % i, 2)[0] for i in range(4)]
    for ballot, voter in zip(ballots, voters):
        recipes.verify_ballot(key, E, ballot, question="city", width=2, credential=voter.public)
    current = [b.ciphertexts for b in ballots]
    for _ in range(2):  # two mixers in turn
        shuffled, proof = recipes.shuffle_and_prove(key, E, current, rng, workers=1)
        recipes.verify_shuffle(key, E, current, shuffled, proof, workers=1)
        current = shuffled
    partials = [recipes.partially_decrypt(t, E, current, rng, workers=1) for t in trustees[1:]]
    points, dropped = recipes.verify_and_combine(key, E, current, partials, workers=1)
    assert dropped == ()
    assert sorted(recipes.decode_plaintext(p) for p in points) == [b"choice %d" % i for i in range(4)]


def ballot_case(seed: bytes) -> dict:
    rng = SeededRng(seed)
    key, _ = recipes.run_key_ceremony(1, 1, E, rng)
    voter = derive_credential(generate_letter_code(rng), E)
    ballot, _ = recipes.encrypt_ballot(key, E, "district-2", b"\x07", 1, credential=voter.public,
                                       signing_key=voter.secret, rng=rng)
    return {"election": "hex:" + E.hex(), "election_key": key.to_json(),
            "question": "district-2", "width": 1,
            "credential": voter.public.hex(), "ballot": ballot.to_json()}


def ballot_verify(doc) -> None:
    recipes.verify_ballot(ElectionKey.from_json(doc["election_key"]), election_bytes(doc["election"]),
                          recipes.Ballot.from_json(doc["ballot"]), question=doc["question"],
                          width=doc["width"], credential=Point.from_hex(doc["credential"]))


@given(st.binary(min_size=1, max_size=8))
@COSTLY
def test_any_single_changed_field_of_a_ballot_is_rejected(seed):
    doc = ballot_case(seed)
    # The verification keys are not used by ballot verification; mutate the rest.
    keep = doc["election_key"]
    doc = {k: v for k, v in doc.items() if k != "election_key"}

    def verify(d):
        ballot_verify({**d, "election_key": keep})

    assert_every_mutation_fails(doc, verify)


def test_a_ballot_replayed_under_another_credential_is_rejected(election):
    key, _, voters, _ = election
    ballot, _ = _ballot(election, 0)
    with pytest.raises(InvalidProofError):
        recipes.verify_ballot(key, E, ballot, question="city", width=1, credential=voters[1].public)
    # Re-signing with the other voter's key does not help: the proof names voter 0.
    with pytest.raises(InvalidProofError):
        recipes.verify_ballot(key, E, ballot, question="city", width=1,
                              credential=voters[1].public, signer=voters[0].public)


def test_kiosk_ballots_are_signed_by_the_device_key(election):
    key, _, voters, rng = election
    kiosk = Scalar.random_nonzero(rng)
    ballot, _ = recipes.encrypt_ballot(key, E, "city", b"k", 1, credential=voters[2].public,
                                       signing_key=kiosk, rng=rng)
    recipes.verify_ballot(key, E, ballot, question="city", width=1, credential=voters[2].public,
                          signer=Point.base_mul(kiosk))
    with pytest.raises(InvalidSignatureError):
        recipes.verify_ballot(key, E, ballot, question="city", width=1, credential=voters[2].public)


def test_benaloh_challenge_opens_the_ballot(election):
    key, _, _, _ = election
    ballot, opening = _ballot(election, 0, b"secret choice", 1)
    assert recipes.open_ballot(key, ballot, opening) == b"secret choice"


def test_wrong_width_or_question_is_rejected(election):
    key, _, voters, _ = election
    ballot, _ = _ballot(election, 0, b"x", 2)
    with pytest.raises(InvalidProofError):
        recipes.verify_ballot(key, E, ballot, question="city", width=1,
                              credential=voters[0].public)
    recipes.verify_ballot(key, E, ballot, question="city", width=2, credential=voters[0].public)
    # A valid ballot for another question is not accepted for this one.
    with pytest.raises(InvalidProofError):
        recipes.verify_ballot(key, E, ballot, question="district-1", width=2,
                              credential=voters[0].public)
    with pytest.raises(TypeError):  # question and width are required
        recipes.verify_ballot(key, E, ballot, credential=voters[0].public)
    with pytest.raises(CryptoError):
        recipes.Ballot.from_json(ballot.to_json(), width=1)


def test_verify_and_combine_names_a_cheating_trustee(election):
    key, trustees, _, rng = election
    cts = [_ballot(election, 0)[0].ciphertexts]
    good = recipes.partially_decrypt(trustees[0], E, cts, rng)
    doc = recipes.partially_decrypt(trustees[2], E, cts, rng).to_json()
    doc["shares"][0][0]["d"] = good.shares[0][0].share.hex()
    with pytest.raises(NotEnoughSharesError) as info:
        recipes.verify_and_combine(key, E, cts, [good, PartialDecryption.from_json(doc)])
    (error,) = info.value.dropped
    assert isinstance(error, PartialDecryptionError) and error.trustee == 3
    second = recipes.partially_decrypt(trustees[1], E, cts, rng)
    plaintexts, dropped = recipes.verify_and_combine(
        key, E, cts, [good, PartialDecryption.from_json(doc), second])
    assert [e.trustee for e in dropped] == [3]
    assert recipes.decode_plaintext(plaintexts[0]) == b"\x01\x00\x01"


def test_bench_command_reports_every_recipe_against_the_floor():
    result = CliRunner().invoke(bench, ["crypto", "--json", "--shuffle-size", "4",
                                        "--decryption-size", "4", "--ballots", "3",
                                        "--workers", "1"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["floor_seconds"] > 0
    names = {r["name"] for r in report["results"]}
    assert {"verify_ballot", "shuffle_prove", "shuffle_verify", "partial_decrypt",
            "partial_decrypt_verify"} <= names
    for entry in report["results"]:
        assert entry["floors_each"] == pytest.approx(entry["seconds_each"] / report["floor_seconds"])
    text = CliRunner().invoke(bench, ["crypto", "--shuffle-size", "2", "--decryption-size", "2",
                                      "--ballots", "1"])
    assert text.exit_code == 0 and "floor" in text.output and "verify_ballot" in text.output
