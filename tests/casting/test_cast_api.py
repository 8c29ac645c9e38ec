"""Casting through the HTTP API, on SQLite and PostgreSQL: receipts, the chain rule,
replays, spoiled ballots, kiosk ballots bound to check-ins, and the verifier's view."""

from __future__ import annotations

import copy

import pytest

from tests.casting.helpers import new_kiosk_key, open_election
from tests.conftest import bearer
from voting_service.crypto import ballot as ballots
from voting_service.domain.record import export
from voting_service.domain import elections
from voting_service.record.archive import read_record
from voting_service.record.heads import SignedHead, head_signature_valid
from voting_service.record.verify import verify_record
from voting_service.store.db import transaction


@pytest.fixture
def vote(app, app_factory):
    return open_election(app_factory, app.extensions["voting"]["settings"].key_dir)


def login(client, vote, number="V001", born="1980-03-12"):
    device = vote.voters[number]
    response = client.post(f"/api/v1/elections/{vote.slug}/voter-sessions", json={
        "voter_number": number, "login_token": device.credential.login_token.hex(),
        "birth_date": born})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Voter {response.get_json()['session_token']}"}


def cast(client, vote, headers, ballot_list):
    return client.post(f"/api/v1/elections/{vote.slug}/ballots",
                       json={"ballots": [b.to_json() for b in ballot_list]}, headers=headers)


def error(response):
    return response.status_code, response.get_json()["error"]["code"]


def exported(app_factory, vote, tmp_path):
    path = tmp_path / "record.zip"
    with transaction(app_factory) as db:
        export(db, elections.get_election(db, vote.slug), path)
    return verify_record(read_record(path), workers=1)


def test_online_cast_receipt_revote_and_replay(client, vote, app_factory, tmp_path):
    voter = vote.voters["V001"]  # district "centre": the city-wide question only
    headers = login(client, vote)
    first = vote.online_ballot(voter, "ville", ["P1"])
    response = cast(client, vote, headers, [first])
    assert response.status_code == 201
    receipt = response.get_json()
    assert receipt["trackers"] == {"ville": vote.tracker(first).hex()}
    head = SignedHead.from_json(receipt["head"])
    assert head.height == receipt["positions"]["ville"]
    assert head_signature_valid(vote.fingerprint, head)
    # The same request again (a retry after a lost answer): the same receipt.
    again = cast(client, vote, headers, [first])
    assert again.status_code == 200 and again.get_json()["trackers"] == receipt["trackers"]
    assert again.get_json()["head"] == receipt["head"]
    # A re-vote is the successor of the first ballot.
    second = vote.online_ballot(voter, "ville", ["P2"], seq=2, prev=vote.tracker(first))
    assert cast(client, vote, headers, [second]).status_code == 201
    # The older ballot can never count again: replayed, or re-made with seq 1 or 2.
    for stale in (vote.online_ballot(voter, "ville", ["P1"]),
                  vote.online_ballot(voter, "ville", ["P1"], seq=2,
                                     prev=vote.tracker(first))):
        assert error(cast(client, vote, headers, [stale])) == (409, "ballot_out_of_order")
    report = exported(app_factory, vote, tmp_path)
    assert report.ok, report.failure
    assert report.counted["ville"] == [vote.tracker(second).hex()]


def test_every_refusal_has_its_code_and_changes_nothing(client, vote, app_factory, tmp_path):
    voter, other = vote.voters["V002"], vote.voters["V001"]  # V002 answers ville and gare
    headers = login(client, vote, "V002", "2001-07-30")
    good = [vote.online_ballot(voter, "ville", ["P2"]),
            vote.online_ballot(voter, "gare", ["G1"])]
    tampered = good[0].to_json()
    tampered["proof"]["s"][0] = ("0" if tampered["proof"]["s"][0][0] != "0" else "1") + \
        tampered["proof"]["s"][0][1:]
    identity = copy.deepcopy(good[0].to_json())
    identity["ciphertexts"][0]["alpha"] = "00" * 32
    top_bit = copy.deepcopy(good[0].to_json())
    top_bit["ciphertexts"][0]["beta"] = top_bit["ciphertexts"][0]["beta"][:62] + "ff"
    unknown = dict(good[0].to_json(), extra=1)
    post = lambda items, h=headers: client.post(  # noqa: E731
        f"/api/v1/elections/{vote.slug}/ballots", json={"ballots": items}, headers=h)
    cases = {
        "wrong_questions": [good[0].to_json()],
        "duplicate_question": [good[0].to_json(), good[0].to_json()],
        "invalid_ballot": [identity, good[1].to_json()],
        "wrong_credential": [vote.online_ballot(other, "ville").to_json(), good[1].to_json()],
    }
    for code, items in cases.items():
        assert error(post(items)) == (422, code), code
    for items in ([top_bit, good[1].to_json()], [unknown, good[1].to_json()]):
        assert error(post(items)) == (422, "invalid_ballot")
    bad_proof = post([tampered, good[1].to_json()])
    assert error(bad_proof)[0] == 422 and error(bad_proof)[1] in ("invalid_proof",
                                                                  "invalid_ballot")
    unsigned = vote.encrypt(voter, "ville")[0]
    assert error(post([unsigned.to_json(), good[1].to_json()])) == (422, "invalid_signature")
    assert error(post([good[0].to_json(), good[1].to_json()],
                      {"Authorization": "Voter nope"})) == (401, "voter_session_required")
    assert error(client.post(f"/api/v1/elections/{vote.slug}/ballots", json={"ballots": 3},
                             headers=headers)) == (422, "invalid_input")
    # Nothing was recorded by the refusals; the good request still goes through.
    assert exported(app_factory, vote, tmp_path).ballots_cast == 0
    assert post([b.to_json() for b in good]).status_code == 201


def test_spoiled_ballot_is_published_and_never_castable(client, vote, app_factory, tmp_path):
    voter = vote.voters["V001"]
    headers = login(client, vote)
    unsigned, opening = vote.encrypt(voter, "ville", ["P1", "P2"])
    response = client.post(f"/api/v1/elections/{vote.slug}/spoiled", headers=headers,
                           json={"ballot": unsigned.to_json(), "opening": opening.to_json()})
    assert response.status_code == 201
    assert response.get_json()["plaintext"] == vote.plaintext("ville", ["P1", "P2"]).hex()
    assert response.get_json()["tracker"] == vote.tracker(unsigned).hex()
    signed = ballots.sign_online(vote.fingerprint, unsigned, voter.credential.secret)
    assert error(cast(client, vote, headers, [signed])) == (409, "ballot_spoiled")
    # A wrong opening is refused; a cast ballot cannot be challenged afterwards.
    fresh, fresh_opening = vote.encrypt(voter, "ville", ["P2"])
    wrong = {"ballot": fresh.to_json(), "opening": opening.to_json()}
    assert error(client.post(f"/api/v1/elections/{vote.slug}/spoiled", headers=headers,
                             json=wrong)) == (422, "invalid_opening")
    signed_fresh = ballots.sign_online(vote.fingerprint, fresh, voter.credential.secret)
    assert cast(client, vote, headers, [signed_fresh]).status_code == 201
    late = {"ballot": fresh.to_json(), "opening": fresh_opening.to_json()}
    assert error(client.post(f"/api/v1/elections/{vote.slug}/spoiled", headers=headers,
                             json=late)) == (409, "ballot_already_cast")
    report = exported(app_factory, vote, tmp_path)
    assert report.ok and report.spoiled == 1 and report.ballots_cast == 1


def test_kiosk_ballot_is_bound_to_its_checkin(client, tokens, vote, app_factory, tmp_path):
    kiosk_key, kiosk_public = new_kiosk_key()
    enrol = client.post(f"/api/v1/elections/{vote.slug}/kiosks", headers=bearer(tokens["admin"]),
                        json={"polling_point": "mairie", "public_key": kiosk_public,
                              "label": "Borne 1"})
    assert enrol.status_code == 201
    kiosk = enrol.get_json()["kiosk"]
    voter = vote.voters["V001"]
    # An online ballot first: the check-in supersedes it.
    headers = login(client, vote)
    online = vote.online_ballot(voter, "ville", ["P2"])
    assert cast(client, vote, headers, [online]).status_code == 201

    def kiosk_ballot(checkin, choice=("P1",), key=kiosk_key, device=voter):
        unsigned, _ = vote.encrypt(device, "ville", list(choice), checkin=bytes.fromhex(checkin))
        return ballots.sign_kiosk(vote.fingerprint, unsigned, key)

    def post(ballot, kiosk_id=kiosk):
        return client.post(f"/api/v1/elections/{vote.slug}/kiosk-ballots",
                           json={"kiosk": kiosk_id, "ballots": [ballot.to_json()]})

    # No check-in yet: a made-up check-in hash is refused.
    assert error(post(kiosk_ballot("ab" * 32))) == (409, "not_checked_in")
    checked = client.post(f"/api/v1/elections/{vote.slug}/checkins",
                          headers=bearer(tokens["officer"]),
                          json={"qr_payload": voter.qr, "polling_point": "mairie"})
    assert checked.status_code == 201
    checkin = checked.get_json()["checkin"]
    assert checked.get_json()["credential"] == voter.public
    # Online voting is over for this voter, and the online ballot no longer counts.
    assert exported(app_factory, vote, tmp_path).counted["ville"] == []
    late = vote.online_ballot(voter, "ville", ["P1"], seq=2, prev=vote.tracker(online))
    assert error(cast(client, vote, headers, [late])) == (409, "online_voting_ended")
    # A ballot signed by a key that is not the kiosk's is refused.
    stranger, _ = new_kiosk_key()
    assert error(post(kiosk_ballot(checkin, key=stranger))) == (422, "invalid_signature")
    first = kiosk_ballot(checkin)
    response = post(first)
    assert response.status_code == 201
    assert post(first).status_code == 200  # the same request: the same receipt
    assert error(post(kiosk_ballot(checkin, ("P2",)))) == (409, "already_voted")
    report = exported(app_factory, vote, tmp_path)
    assert report.ok, report.failure
    assert report.counted["ville"] == [vote.tracker(first).hex()]
    assert report.checkins == 1


def test_kiosk_at_another_polling_point_is_refused(client, tokens, vote, app_factory):
    from voting_service.store.models import PollingPoint

    with transaction(app_factory) as db:  # a second polling point (manifest frozen: direct)
        election = elections.get_election(db, vote.slug)
        db.add(PollingPoint(election_id=election.id, key="ecole", name="École", position=2))
    key, public = new_kiosk_key()
    kiosk = client.post(f"/api/v1/elections/{vote.slug}/kiosks", headers=bearer(tokens["admin"]),
                        json={"polling_point": "ecole", "public_key": public}).get_json()["kiosk"]
    voter = vote.voters["V004"]
    checkin = client.post(f"/api/v1/elections/{vote.slug}/checkins",
                          headers=bearer(tokens["officer"]),
                          json={"qr_payload": voter.qr, "polling_point": "mairie"}
                          ).get_json()["checkin"]
    unsigned, _ = vote.encrypt(voter, "ville", ["P1"], checkin=bytes.fromhex(checkin))
    response = client.post(f"/api/v1/elections/{vote.slug}/kiosk-ballots", json={
        "kiosk": kiosk, "ballots": [ballots.sign_kiosk(vote.fingerprint, unsigned, key).to_json()]})
    assert error(response) == (409, "wrong_polling_point")
    revoked = client.post(f"/api/v1/elections/{vote.slug}/kiosks/{kiosk}/revoke",
                          headers=bearer(tokens["admin"]), json={"reason": "volée"})
    assert revoked.status_code == 200 and revoked.get_json()["status"] == "revoked"
    response = client.post(f"/api/v1/elections/{vote.slug}/kiosk-ballots", json={
        "kiosk": kiosk, "ballots": [ballots.sign_kiosk(vote.fingerprint, unsigned, key).to_json()]})
    assert error(response) == (409, "kiosk_not_enrolled")


def test_board_shows_head_ballots_and_small_counts_hidden(client, vote):
    voter = vote.voters["V001"]
    headers = login(client, vote)
    ballot = vote.online_ballot(voter, "ville", ["P1"])
    assert cast(client, vote, headers, [ballot]).status_code == 201
    summary = client.get(f"/api/v1/elections/{vote.slug}/board").get_json()
    assert summary["counts"]["ballots"] == {"online": 1, "kiosk": 0}
    assert summary["turnout"] == {"centre": {"online": "< 10"}}
    assert summary["signed_head"]["height"] == summary["height"]
    found = client.get(f"/api/v1/elections/{vote.slug}/board/ballots/"
                       f"{vote.tracker(ballot).hex()}").get_json()
    assert found["found"] and found["status"] == "cast"
    assert not client.get(f"/api/v1/elections/{vote.slug}/board/ballots/{'0' * 64}"
                          ).get_json()["found"]
    mine = client.get(f"/api/v1/elections/{vote.slug}/board/credentials/{voter.public}"
                      ).get_json()
    assert [b["tracker"] for b in mine["ballots"]] == [vote.tracker(ballot).hex()]
    page = client.get(f"/api/v1/elections/{vote.slug}/board/events?start=1&count=3").get_json()
    assert [e["type"] for e in page["events"]] == ["manifest", "election_key", "credentials"]
    assert error(client.get(f"/api/v1/elections/{vote.slug}/board/events?start=0")) == \
        (422, "invalid_input")


def test_checkin_refusals_name_the_first_visit(client, tokens, vote):
    voter = vote.voters["V002"]

    def check_in(payload, point="mairie"):
        return client.post(f"/api/v1/elections/{vote.slug}/checkins",
                           headers=bearer(tokens["officer"]),
                           json={"qr_payload": payload, "polling_point": point})

    tampered = voter.qr[:-1] + ("A" if voter.qr[-1] != "A" else "B")
    assert error(check_in(tampered)) == (422, "invalid_qr")
    assert error(check_in(voter.qr.replace(vote.slug.upper(), "AUTRE-ELECTION"))) == \
        (422, "invalid_qr")
    assert error(check_in("VS1:X:Y:Z")) == (422, "invalid_qr")
    assert error(check_in(voter.qr, "nulle-part")) == (404, "polling_point_not_found")
    assert check_in(voter.qr).status_code == 201
    again = check_in(voter.qr)
    assert error(again) == (409, "already_checked_in")
    assert again.get_json()["error"]["details"]["polling_point"] == "Mairie"


def test_casting_without_the_record_key_is_refused_without_minting_one(client, vote, app):
    key_file = app.extensions["voting"]["settings"].key_dir / "record-signing.key"
    key_file.unlink()
    headers = login(client, vote)
    response = cast(client, vote, headers, [vote.online_ballot(vote.voters["V001"], "ville")])
    assert error(response) == (409, "key_unavailable")
    assert "/" not in response.get_json()["error"]["message"]
    assert not key_file.exists()
