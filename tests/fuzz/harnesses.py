"""atheris harnesses for the parsers that read outside input.

Each harness feeds bytes to one parser the way the service does, and lets through only the
parser's documented error types: any other exception is a crash (a 500 on the API, a
traceback in a command). Run one with ``python -m tests.fuzz.run NAME [libFuzzer flags]``;
tests/fuzz/test_fuzz.py runs each for a bounded time with seeds from ``seeds()``.
"""

from __future__ import annotations

import io
import json

import atheris

with atheris.instrument_imports(include=["voting_service"]):
    from voting_service.crypto.ballot import Ballot
    from voting_service.crypto.dkg import ElectionKey
    from voting_service.crypto.errors import CryptoError
    from voting_service.domain import voter_roll
    from voting_service.domain.errors import InvalidInput
    from voting_service.domain.validation import check_json_text
    from voting_service.pb.pabulib import PabulibError, loads_pabulib_bytes
    from voting_service.record.archive import read_record
    from voting_service.record.events import RecordFormatError
    from voting_service.crypto import ballot as ballots


def pabulib(data: bytes) -> None:
    """`voting-service pb …` on a .pb file: PabulibError, naming the line, or a parse."""
    try:
        loads_pabulib_bytes(data, "<fuzz>")
    except PabulibError:
        pass


DISTRICTS = {"centre": "centre", "gare": "gare"}


def roll_csv(data: bytes) -> None:
    """A roll import (API and `voters import`): a bad header is InvalidInput, a bad line a
    rejected line of the report; the district map likewise."""
    if data[:1] == b"M":   # one input in a few exercises the postcode → district map
        try:
            voter_roll.read_district_map(io.BytesIO(data[1:]))
        except InvalidInput:
            pass
        return
    report = voter_roll.ImportReport()
    try:
        for row in voter_roll._rows(io.BytesIO(data), DISTRICTS, None, report):
            assert row.voter_number and row.postcode
    except InvalidInput:
        pass


_VECTOR = None


def _vector():
    global _VECTOR
    if _VECTOR is None:
        from pathlib import Path

        path = Path(__file__).resolve().parent.parent / "vectors" / "record" / "ballot_v2.json"
        vector = json.loads(path.read_text())
        _VECTOR = (ElectionKey.from_json(vector["election_key"]),
                   bytes.fromhex(vector["election"]))
    return _VECTOR


def ballot_json(data: bytes) -> None:
    """A cast request's ballot as the API reads it: JSON text (malformed JSON, too deep,
    lone surrogates are the body reader's 4xx), then the strict ballot reader
    (CryptoError), then, for a readable ballot, its proof and signature (CryptoError)."""
    try:
        obj = json.loads(data.decode("utf-8"))
        check_json_text(obj)
    except (ValueError, RecursionError, InvalidInput):   # UnicodeDecodeError is a ValueError
        return
    try:
        ballot = Ballot.from_json(obj)
        key, election = _vector()
        ballots.verify(key, election, ballot, question=ballot.question, width=ballot.width)
    except CryptoError:
        pass


def record_archive(data: bytes) -> None:
    """`voting-service verify FILE`: RecordFormatError for anything that is not a record."""
    try:
        read_record(io.BytesIO(data))
    except RecordFormatError:
        pass


HARNESSES = {"pabulib": pabulib, "roll_csv": roll_csv, "ballot_json": ballot_json,
             "record_archive": record_archive}


def seeds(name: str) -> list[bytes]:
    """Valid (and nearly valid) inputs for the fuzzer to start from."""
    from pathlib import Path

    vectors = Path(__file__).resolve().parent.parent / "vectors"
    if name == "pabulib":
        return [PABULIB_SEED.encode(), PABULIB_SEED.replace("approval", "ordinal").encode(),
                PABULIB_SEED.replace("vote_type;approval", "vote_type;cumulative").replace(
                    "voter_id;vote\n", "voter_id;vote;points\n").replace(
                    "1;p1,p2\n", "1;p1,p2;3,1\n").replace("2;p2\n", "2;p2;4\n").encode()]
    if name == "roll_csv":
        return [ROLL_SEED.encode(), ROLL_SEED.replace(";", ",").encode(),
                b"Mcode_postal;quartier\n45000;centre\n45100;gare\n"]
    if name == "ballot_json":
        vector = json.loads((vectors / "record" / "ballot_v2.json").read_text())
        return [json.dumps(case["ballot"]).encode() for case in vector["cases"][:3]]
    if name == "record_archive":
        return [(vectors / "record" / "record.zip").read_bytes()]
    raise KeyError(name)


PABULIB_SEED = """META
key;value
description;Fuzz seed
country;France
unit;Ville
instance;2027
num_projects;3
num_votes;2
budget;100
vote_type;approval
rule;greedy
PROJECTS
project_id;cost;name
p1;60;Parc
p2;30;Pistes
p3;20;Bancs
VOTES
voter_id;vote
1;p1,p2
2;p2
"""

ROLL_SEED = ("numero_electeur;nom;prenoms;date_naissance;adresse;code_postal;quartier\n"
             "V001;Martin;Camille;12/03/1980;3 rue des Lilas;45000;centre\n"
             "V002;Durand;Léa;1990-07-14;8 avenue de la Gare;45100;gare\n"
             "V003;Petit;Noé;29/02/2008;1 place;45000;\n")
