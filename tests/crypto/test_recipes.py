"""The safe API end to end: ceremony, ballots, shuffle, threshold decryption."""

import json
from dataclasses import replace

import pytest
from click.testing import CliRunner
from crypto_helpers import COSTLY, assert_every_mutation_fails, election_bytes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, strategies as st

from voting_service.commands.bench import bench
from voting_service.crypto import ballot as ballots
from voting_service.crypto import recipes
from voting_service.crypto.credential import derive_credential, generate_letter_code
from voting_service.crypto.dkg import ElectionKey
from voting_service.crypto.errors import (CryptoError, InvalidProofError, InvalidSignatureError,
                                          NotEnoughSharesError, ParameterError,
                                          PartialDecryptionError)
from voting_service.crypto.rng import SeededRng
from voting_service.crypto.threshold import PartialDecryption

E = b"city 2026 fingerprint"
CHECKIN = bytes(range(100, 132))   # the hash of the check-in event a kiosk ballot names


@pytest.fixture(scope="module")
def election():
    rng = SeededRng(b"recipes")
    key, trustees = recipes.run_key_ceremony(2, 3, E, rng)
    voters = [derive_credential(generate_letter_code(rng), E) for _ in range(4)]
    return key, trustees, voters, rng


def _ballot(election, voter=0, plaintext=b"\x01\x00\x01", width=1, rng=None, **kw):
    key, _, voters, default_rng = election
    return recipes.encrypt_ballot(key, E, "city", plaintext, width, secret=voters[voter].secret,
                                  rng=rng or default_rng, **kw)


def _kiosk_ballot(election, voter=0, plaintext=b"k", kiosk_seed=b"\x07" * 32):
    key, _, voters, rng = election
    kiosk = Ed25519PrivateKey.from_private_bytes(kiosk_seed)
    unsigned, opening = recipes.encrypt_kiosk_ballot(key, E, "city", plaintext, 1,
                                                     credential=voters[voter].public,
                                                     checkin=CHECKIN, rng=rng)
    raw = kiosk.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return unsigned, recipes.sign_kiosk_ballot(E, unsigned, kiosk), opening, raw


def test_end_to_end_tally(election):
    key, trustees, voters, rng = election
    cast = [_ballot(election, i, b"choice %d" % i, 2)[0] for i in range(4)]
    for ballot, voter in zip(cast, voters):
        assert ballot.credential == voter.public
        recipes.verify_ballot(key, E, ballot, question="city", width=2)
    current = [b.ciphertexts for b in cast]
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
    ballot, _ = recipes.encrypt_ballot(key, E, "district-2", b"\x07", 1, secret=voter.secret,
                                       seq=2, prev=bytes(range(32)), rng=rng)
    return {"election": "hex:" + E.hex(), "election_key": key.to_json(),
            "question": "district-2", "width": 1, "ballot": ballot.to_json()}


def ballot_verify(doc) -> None:
    recipes.verify_ballot(ElectionKey.from_json(doc["election_key"]), election_bytes(doc["election"]),
                          recipes.Ballot.from_json(doc["ballot"]), question=doc["question"],
                          width=doc["width"])


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
    moved = replace(ballot, credential=voters[1].public, signature=None)
    # Re-signing with the other voter's secret does not help: the proof names voter 0.
    with pytest.raises(InvalidProofError):
        recipes.verify_ballot(key, E, ballots.sign_online(E, moved, voters[1].secret),
                              question="city", width=1)


def test_kiosk_ballots_are_signed_by_the_device_key(election):
    key, _, voters, _ = election
    unsigned, ballot, opening, kiosk = _kiosk_ballot(election, 2)
    assert (ballot.channel, ballot.credential) == ("kiosk", voters[2].public)
    assert recipes.ballot_tracker(E, ballot) == recipes.ballot_tracker(E, unsigned)
    recipes.verify_ballot(key, E, ballot, question="city", width=1, kiosk_key=kiosk)
    other = Ed25519PrivateKey.from_private_bytes(b"\x08" * 32).public_key()
    with pytest.raises(InvalidSignatureError):
        recipes.verify_ballot(key, E, ballot, question="city", width=1,
                              kiosk_key=other.public_bytes(Encoding.Raw, PublicFormat.Raw))
    with pytest.raises(InvalidSignatureError):   # the kiosk's key is needed to check it
        recipes.verify_ballot(key, E, ballot, question="city", width=1)
    with pytest.raises(ParameterError):          # and the credential secret cannot sign it
        ballots.sign_online(E, unsigned, voters[2].secret)
    assert recipes.open_ballot(key, ballot, opening) == b"k"


def test_benaloh_challenge_opens_the_ballot(election):
    key, _, _, _ = election
    ballot, opening = _ballot(election, 0, b"secret choice", 1)
    assert recipes.open_ballot(key, ballot, opening) == b"secret choice"
    _, other = _ballot(election, 1, b"secret choice", 1)
    with pytest.raises(InvalidProofError):
        recipes.open_ballot(key, ballot, other)


def test_a_revote_names_its_predecessor(election):
    key = election[0]
    first, _ = _ballot(election, 3)
    second, _ = _ballot(election, 3, seq=2, prev=recipes.ballot_tracker(E, first))
    assert (second.seq, second.prev) == (2, recipes.ballot_tracker(E, first))
    recipes.verify_ballot(key, E, second, question="city", width=1)
    assert recipes.ballot_tracker(E, second) != recipes.ballot_tracker(E, first)


def test_wrong_width_or_question_is_rejected(election):
    key = election[0]
    ballot, _ = _ballot(election, 0, b"x", 2)
    with pytest.raises(InvalidProofError):
        recipes.verify_ballot(key, E, ballot, question="city", width=1)
    recipes.verify_ballot(key, E, ballot, question="city", width=2)
    # A valid ballot for another question is not accepted for this one.
    with pytest.raises(InvalidProofError):
        recipes.verify_ballot(key, E, ballot, question="district-1", width=2)
    with pytest.raises(TypeError):  # question and width are required
        recipes.verify_ballot(key, E, ballot)
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
