"""API v1, voter side: roll import, eligibility and login through HTTP (check-in: see
tests/casting)."""

import pytest

from tests.conftest import bearer
from tests.voters_helpers import HEADER, ROWS, make_election
from tests.factories import election_key_for
from voting_service.domain import elections, voter_auth
from voting_service.store.db import transaction
from voting_service.store.models import Voter

TOKEN = bytes(range(32))


@pytest.fixture
def slug(app_factory):
    return make_election(app_factory, status="draft")


def _import(client, token, slug, body, query=""):
    return client.post(f"/api/v1/elections/{slug}/voters/import{query}", data=body.encode(),
                       content_type="text/csv", headers=bearer(token))


def test_import_through_the_api(client, tokens, slug):
    response = _import(client, tokens["admin"], slug, HEADER + ROWS + "bad;row\n")
    assert response.status_code == 200
    report = response.get_json()
    assert (report["imported"], report["updated"], report["unchanged"]) == (4, 0, 0)
    assert report["rejected"] == [{"line": 6, "reason": "2 champs au lieu de 7"}]
    again = _import(client, tokens["admin"], slug, HEADER + ROWS).get_json()
    assert again["unchanged"] == 4 and again["imported"] == 0


def test_all_or_nothing_through_the_api(client, tokens, slug, app_factory):
    response = _import(client, tokens["admin"], slug, HEADER + ROWS + "bad;row\n",
                       "?all_or_nothing=true")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "rows_rejected"
    with transaction(app_factory) as db:
        assert db.query(Voter).count() == 0


def test_import_needs_csv_and_permission(client, tokens, slug):
    wrong_type = client.post(f"/api/v1/elections/{slug}/voters/import", json={"x": 1},
                             headers=bearer(tokens["admin"]))
    assert wrong_type.status_code == 415
    assert _import(client, tokens["officer"], slug, HEADER + ROWS).status_code == 403
    header_only = _import(client, tokens["admin"], slug, "nom;prenoms\n")
    assert header_only.status_code == 422
    assert header_only.get_json()["error"]["code"] == "invalid_header"


def test_override_and_eligibility(client, tokens, slug):
    _import(client, tokens["admin"], slug, HEADER + ROWS)
    decision = client.get(f"/api/v1/elections/{slug}/voters/v003",
                          headers=bearer(tokens["officer"])).get_json()
    assert decision["eligible"] is False and "moins de 16 ans" in decision["reason"]
    response = client.post(f"/api/v1/elections/{slug}/voters/V003/override",
                           json={"decision": "include", "reason": "conseil des jeunes"},
                           headers=bearer(tokens["admin"]))
    assert response.status_code == 200 and response.get_json()["eligible"] is True
    missing_reason = client.post(f"/api/v1/elections/{slug}/voters/V003/override",
                                 json={"decision": "exclude"}, headers=bearer(tokens["admin"]))
    assert missing_reason.status_code == 422
    unknown = client.get(f"/api/v1/elections/{slug}/voters/V404",
                         headers=bearer(tokens["admin"]))
    assert unknown.status_code == 404 and unknown.get_json()["error"]["code"] == \
        "voter_not_found"


def _open_with_roll(client, tokens, slug, app_factory):
    _import(client, tokens["admin"], slug, HEADER + ROWS)
    with transaction(app_factory) as db:
        voter = db.query(Voter).filter_by(voter_number="V001").one()
        voter.login_hash = voter_auth.hash_login_token(TOKEN)
    for target in ("frozen", "open"):
        if target == "open":
            with transaction(app_factory) as db:
                fingerprint = elections.get_election(db, slug).fingerprint
            client.put(f"/api/v1/elections/{slug}/election-key",
                       json={"election_key": election_key_for(fingerprint)},
                       headers=bearer(tokens["trustee"]))
        client.post(f"/api/v1/elections/{slug}/transitions", json={"to": target},
                    headers=bearer(tokens["admin"]))


def _login(client, slug, number="V001", token=TOKEN, born="1980-03-12", address="10.0.0.1"):
    body = {"voter_number": number, "login_token": token.hex()}
    if born:
        body["birth_date"] = born
    return client.post(f"/api/v1/elections/{slug}/voter-sessions", json=body,
                       environ_base={"REMOTE_ADDR": address})


def test_voter_login_over_http(client, tokens, slug, app_factory):
    _open_with_roll(client, tokens, slug, app_factory)
    ok = _login(client, slug)
    assert ok.status_code == 201 and ok.get_json()["questions"] == ["ville"]
    bad = [_login(client, slug, token=bytes(32)) for _ in range(4)]
    assert [r.status_code for r in bad] == [401] * 4
    unknown = [_login(client, slug, number="V999", token=bytes(32), address="10.0.0.2")
               for _ in range(4)]
    # Same status, same body for a number that is not on the roll.
    assert [r.get_json() for r in unknown] == [r.get_json() for r in bad]
    waits = []
    for number, address in (("V001", "10.0.0.1"), ("V999", "10.0.0.2")):
        slowed = _login(client, slug, number=number, address=address)
        assert slowed.status_code == 429
        assert slowed.get_json()["error"]["code"] == "too_many_attempts"
        waits.append(int(slowed.headers["Retry-After"]))
    # The same delay for both (the clock may tick a second between the two answers).
    assert abs(waits[0] - waits[1]) <= 1 and 0 < min(waits) and max(waits) <= 16
    # The junk from 10.0.0.1 does not stop the voter logging in from elsewhere.
    assert _login(client, slug, address="192.0.2.10").status_code == 201
    assert client.post(f"/api/v1/elections/{slug}/voters/V001/unlock",
                       headers=bearer(tokens["officer"])).get_json()["unlocked"] is True
    assert _login(client, slug).status_code == 201


def test_an_address_sending_junk_gets_429_with_retry_after(client, tokens, slug,
                                                                   app_factory):
    _open_with_roll(client, tokens, slug, app_factory)
    for i in range(voter_auth.ADDRESS.free):
        assert _login(client, slug, number=f"X{i}", token=bytes(32),
                      address="198.51.100.7").status_code == 401
    refused = _login(client, slug, number="X99", token=bytes(32), address="198.51.100.7")
    assert refused.status_code == 429
    assert refused.get_json()["error"] == {
        "code": "rate_limited",
        "message": "too many failed attempts from this address: wait before trying again"}
    assert 0 < int(refused.headers["Retry-After"]) <= 2
    assert _login(client, slug, address="198.51.100.8").status_code == 201


@pytest.mark.parametrize("body", [
    {"voter_number": "V001"},
    {"voter_number": "V001", "login_token": "zz" * 32},
    {"voter_number": "V001", "login_token": "ab" * 16},
    {"voter_number": 5, "login_token": "ab" * 32},
    {"voter_number": "V001", "login_token": "ab" * 32, "birth_date": "12/03/1980"},
    [],
])
def test_malformed_login_bodies(client, tokens, slug, app_factory, body):
    _open_with_roll(client, tokens, slug, app_factory)
    response = client.post(f"/api/v1/elections/{slug}/voter-sessions", json=body)
    assert response.status_code == 422


def test_public_credentials_list(client, tokens, slug, app_factory):
    from voting_service.store.models import Credential

    _open_with_roll(client, tokens, slug, app_factory)
    with transaction(app_factory) as db:
        voters = {v.voter_number: v for v in db.query(Voter)}
        db.add(Credential(election_id=voters["V001"].election_id, voter_id=voters["V001"].id,
                          public_key="aa" * 32, questions=["ville"], status="active"))
        db.add(Credential(election_id=voters["V002"].election_id, voter_id=voters["V002"].id,
                          public_key="bb" * 32, questions=["ville", "gare"], status="active"))
        db.add(Credential(election_id=voters["V002"].election_id, voter_id=voters["V002"].id,
                          public_key="cc" * 32, questions=["ville", "gare"], status="revoked"))
    listing = client.get(f"/api/v1/elections/{slug}/credentials").get_json()
    assert listing["questions"] == {"ville": ["aa" * 32, "bb" * 32], "gare": ["bb" * 32]}
    assert listing["revoked"] == ["cc" * 32]
    assert "V001" not in str(listing)


def test_import_with_a_district_map_over_multipart(client, tokens, slug, app_factory):
    import io

    response = client.post(
        f"/api/v1/elections/{slug}/voters/import",
        data={"roll": (io.BytesIO((HEADER + ROWS).encode()), "roll.csv"),
              "districts": (io.BytesIO(b"code_postal;quartier\n45100;gare\n"), "map.csv")},
        content_type="multipart/form-data", headers=bearer(tokens["admin"]))
    assert response.status_code == 200 and response.get_json()["imported"] == 4
    with transaction(app_factory) as db:
        assert db.query(Voter).filter_by(voter_number="V004").one().questions == ["ville", "gare"]
    bad_map = client.post(
        f"/api/v1/elections/{slug}/voters/import",
        data={"roll": (io.BytesIO((HEADER + ROWS).encode()), "roll.csv"),
              "districts": (io.BytesIO(b"quartier sans code\n"), "map.csv")},
        content_type="multipart/form-data", headers=bearer(tokens["admin"]))
    assert bad_map.status_code == 422
    assert bad_map.get_json()["error"]["code"] == "invalid_district_map"
    missing = client.post(f"/api/v1/elections/{slug}/voters/import", data={"x": "y"},
                          content_type="multipart/form-data", headers=bearer(tokens["admin"]))
    assert missing.status_code == 422
