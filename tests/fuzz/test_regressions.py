"""Inputs the fuzzers found crashing, kept as plain tests: each is now a documented error."""

import io
from pathlib import Path

import pytest

from tests.conftest import bearer
from tests.factories import manifest_body
from voting_service.domain import voter_roll
from voting_service.domain.errors import InvalidInput
from voting_service.record.archive import read_record
from voting_service.record.events import RecordFormatError

HERE = Path(__file__).resolve().parent / "regressions"
# A bare carriage return inside the header line: the csv module refuses the line.
ROLL_CR_HEADER = (b"numero_electeur;n\rm;prenoms;date_naissance;adresse;code_postal;quartier\n"
                  b"V001;Martin;Camille;12/03/1980;3 rue des Lilas;45000;centre\n")


def test_a_damaged_deflate_stream_is_a_format_error():
    with pytest.raises(RecordFormatError, match="damaged record file"):
        read_record(io.BytesIO((HERE / "record_archive-bad-deflate").read_bytes()))


def test_a_carriage_return_in_the_roll_header_is_a_clear_error():
    with pytest.raises(InvalidInput) as caught:
        list(voter_roll._rows(io.BytesIO(ROLL_CR_HEADER), {}, None, voter_roll.ImportReport()))
    assert caught.value.code == "invalid_header"


def test_the_roll_import_api_answers_4xx_for_it(client, tokens):
    client.post("/api/v1/elections", json=manifest_body(), headers=bearer(tokens["admin"]))
    response = client.post("/api/v1/elections/bp-test-2027/voters/import", data=ROLL_CR_HEADER,
                           content_type="text/csv", headers=bearer(tokens["admin"]))
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid_header"


def test_verify_says_so_in_one_line(tmp_path):
    from click.testing import CliRunner

    from voting_service.cli import main

    path = tmp_path / "record.zip"
    path.write_bytes((HERE / "record_archive-bad-deflate").read_bytes())
    result = CliRunner().invoke(main, ["verify", str(path)])
    assert result.exit_code == 1 and "FAILED record_format: damaged record file" in result.output
    assert "Traceback" not in result.output
