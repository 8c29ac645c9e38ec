"""1,000 concurrent casts for one credential through a real gunicorn server on PostgreSQL:
exactly one chain in the record, 0 answers 5xx (issue 13, load test).

The requests compete for the first 5 places of one voter's chain (50 distinct requests per
place, each following a different request of the place before, every one sent 4 times in a
shuffled order over 64 connections). Whatever the interleaving, the record must then hold
one chain for the credential (seq 1, 2, … each following the one before) made of exactly
the requests that got a receipt, at the receipts' positions; every repeat of an accepted
request gets the same receipt; every other answer is a 409 ballot_out_of_order; and
`voting-service verify` passes on the exported record."""

from __future__ import annotations

import random

import pytest

from tests.conftest import fresh_database_url
from tests.load.harness import export_and_verify, open_election
from voting_service.rehearsal import load

pytestmark = [pytest.mark.load, pytest.mark.postgres]

LEVELS, FORKS, COPIES, CONNECTIONS = 5, 50, 4, 64


def test_1000_concurrent_casts_for_one_credential_make_one_chain(tmp_path):
    url, drop = fresh_database_url("postgresql", tmp_path)
    rng = random.Random(13)
    try:
        with open_election(url, tmp_path, voters=3, workers=3, rng=rng) as election:
            voter = election.devices[min(election.devices)]
            bodies = load.storm_bodies(election.setup.election, voter, rng, LEVELS, FORKS)
            answers, _seconds = load.run_storm(election.api, election.slug,
                                               election.sessions[voter.number], bodies,
                                               COPIES, CONNECTIONS, rng)
            record, report = export_and_verify(election, tmp_path / "record.zip")
        outcome = load.check_storm(bodies, answers, record.events,
                                   voter.credential.public.hex())
        assert outcome["requests"] == LEVELS * FORKS * COPIES == 1000
        assert outcome["errors_5xx"] == 0 and outcome["no_answer"] == 0
        assert outcome["problems"] == [] and outcome["one_chain"]
        # At least the first place is always taken, and each accepted request answered
        # 201 once and 200 (same receipt) on every later copy that reached the server.
        assert 1 <= outcome["chain_length"] <= LEVELS
        assert outcome["created"] == outcome["chain_length"]
        assert outcome["created"] + outcome["replayed"] + outcome["refused_409"] == 1000
        # The verifier counts the chain's last ballot for each of the voter's questions.
        last = {q: t for q, t in bodies[max(
            (a.body for a in answers if a.status == 201),
            key=lambda i: bodies[i].level)].trackers.items()}
        for question, tracker in last.items():
            assert tracker in report["counted"][question]
        assert report["ballots_cast"] == outcome["chain_length"] * len(last)
    finally:
        drop()
