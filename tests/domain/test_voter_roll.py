"""Voter roll import and eligibility decisions."""

import pytest

from tests.voters_helpers import HEADER, ROWS, csv_bytes, import_text, make_election
from voting_service.domain import elections, voter_roll
from voting_service.domain.errors import Conflict, InvalidInput
from voting_service.store.db import transaction
from voting_service.store.models import AuditEntry, Participation, Voter


def _voters(factory):
    with transaction(factory) as db:
        return {v.voter_number: v for v in db.query(Voter)}


def test_import_decides_eligibility_and_questions(factory):
    slug = make_election(factory, status="draft")
    report = import_text(factory, slug, HEADER + ROWS)
    assert report.to_json() == {"imported": 4, "updated": 0, "unchanged": 0, "rejected": []}
    voters = _voters(factory)
    assert voters["V001"].eligible and voters["V001"].questions == ["ville"]
    assert voters["V002"].questions == ["ville", "gare"]
    assert voters["V002"].first_names == "Léo Paul"
    assert not voters["V003"].eligible and "moins de 16 ans" in voters["V003"].eligibility_reason
    assert voters["V004"].eligible and voters["V004"].questions == ["ville"]
    assert "quartier inconnu" in voters["V004"].eligibility_reason
    with transaction(factory) as db:
        assert db.query(Participation).filter_by(state="none").count() == 4


def test_reimport_is_idempotent_and_reports_changes(factory):
    slug = make_election(factory, status="draft")
    import_text(factory, slug, HEADER + ROWS)
    again = import_text(factory, slug, HEADER + ROWS)
    assert again.to_json() == {"imported": 0, "updated": 0, "unchanged": 4, "rejected": []}
    changed = ROWS.replace("3 rue des Lilas", "5 rue des Lilas") + \
        "V005;Roux;Inès;02/02/1999;2 rue Haute;45000;centre\n"
    report = import_text(factory, slug, HEADER + changed)
    assert report.to_json() == {"imported": 1, "updated": 1, "unchanged": 3, "rejected": []}
    voters = _voters(factory)
    assert len(voters) == 5 and voters["V001"].address == "5 rue des Lilas"


@pytest.mark.parametrize("line, reason", [
    ("V010;Martin;Camille;31/02/1980;1 rue;45000;centre", "date de naissance impossible"),
    ("V010;Martin;Camille;1980/03/12;1 rue;45000;centre", "date de naissance illisible"),
    ("V010;Martin;Camille;12/03/1880;1 rue;45000;centre", "hors limites"),
    ("V010;;Camille;12/03/1980;1 rue;45000;centre", "nom manquant"),
    ("V010;Martin;Camille;12/03/1980;1 rue;4500;centre", "code postal invalide"),
    ("V010;Martin;Camille;12/03/1980;1 rue;45000;lune", "quartier inconnu"),
    ("V 10;Martin;Camille;12/03/1980;1 rue;45000;centre", "numéro d'électeur invalide"),
    ("V010;Martin;Camille;12/03/1980;1 rue;45000", "6 champs au lieu de 7"),
    ("V001;Autre;Personne;12/03/1980;1 rue;45000;centre", "déjà présent ligne 2"),
])
def test_bad_rows_are_reported_with_line_and_good_rows_import(factory, line, reason):
    slug = make_election(factory, status="draft")
    report = import_text(factory, slug, HEADER + ROWS + line + "\n")
    assert report.imported == 4
    assert len(report.rejected) == 1
    assert report.rejected[0]["line"] == 6
    assert reason in report.rejected[0]["reason"]


def test_all_or_nothing_imports_nothing(factory):
    slug = make_election(factory, status="draft")
    with pytest.raises(InvalidInput) as caught:
        import_text(factory, slug, HEADER + ROWS + "bad;line\n", all_or_nothing=True)
    assert caught.value.details["rejected"][0]["line"] == 6
    assert _voters(factory) == {}
    with transaction(factory) as db:
        assert db.query(AuditEntry).filter_by(action="voters.import").count() == 0


def test_bom_comma_separator_column_order_and_invalid_utf8(factory):
    slug = make_election(factory, status="draft")
    text = ("quartier,code_postal,numero_electeur,nom,prenoms,date_naissance,adresse\n"
            'centre,45000,v100,Martin,Camille,1980-03-12,"3, rue des Lilas"\n')
    with transaction(factory) as db:
        election = elections.get_election(db, slug, lock=True)
        data = csv_bytes(text, bom=True).getvalue() + b"gare,45000,V101,Dup\xe9,X,1980-03-12,r\n"
        import io

        report = voter_roll.import_roll(db, "t", election, io.BytesIO(data))
    assert report.imported == 1
    assert report.rejected == [{"line": 3, "reason": "ligne non encodée en UTF-8"}]
    voter = _voters(factory)["V100"]  # voter numbers are kept in upper case
    assert voter.address == "3, rue des Lilas"


def test_postcode_district_map(factory):
    slug = make_election(factory, status="draft")
    mapping = voter_roll.read_district_map(csv_bytes("code_postal;quartier\n45100;gare\n"))
    import_text(factory, slug, HEADER + ROWS, postcode_map=mapping)
    assert _voters(factory)["V004"].questions == ["ville", "gare"]


def test_bad_header_is_refused(factory):
    slug = make_election(factory, status="draft")
    with pytest.raises(InvalidInput, match="header lacks quartier"):
        import_text(factory, slug, "numero_electeur;nom;prenoms;date_naissance;adresse;"
                                   "code_postal\n")


def test_roll_is_closed_once_voting_opens(factory):
    slug = make_election(factory, status="open")
    with pytest.raises(Conflict):
        import_text(factory, slug, HEADER + ROWS)


def test_overrides_and_rules_are_audited(factory):
    slug = make_election(factory, status="draft")
    import_text(factory, slug, HEADER + ROWS)
    with transaction(factory) as db:
        election = elections.get_election(db, slug, lock=True)
        voter = voter_roll.set_override(db, "staff:anne", election, "V003", "include",
                                        "conseil des jeunes")
        assert voter.eligible and "conseil des jeunes" in voter.eligibility_reason
        voter = voter_roll.set_override(db, "staff:anne", election, "V001", "exclude",
                                        "décédé")
        assert not voter.eligible and voter.questions == []
        with pytest.raises(InvalidInput):
            voter_roll.set_override(db, "staff:anne", election, "V002", "exclude", "")
    with transaction(factory) as db:
        election = elections.get_election(db, slug, lock=True)
        changed = voter_roll.set_rules(db, "staff:anne", election, min_age=40)
        assert changed == 2  # V002 (2001) and V004 (1990) fall under 40; V003 stays included
    voters = _voters(factory)
    assert not voters["V002"].eligible and not voters["V004"].eligible
    assert voters["V003"].eligible
    with transaction(factory) as db:
        actions = [e.action for e in db.query(AuditEntry).order_by(AuditEntry.seq)]
    assert actions[-3:] == ["voters.include", "voters.exclude", "voters.rules"]


def test_district_map_errors_name_the_line():
    with pytest.raises(InvalidInput, match="line 2: not UTF-8"):
        voter_roll.read_district_map(csv_bytes("45000;centre\n").__class__(
            b"45000;centre\n45\xe9;gare\n"))
    with pytest.raises(InvalidInput, match="line 1: expected"):
        voter_roll.read_district_map(csv_bytes("centre\n"))


INVISIBLE_CHARACTERS = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067",
                        "\u2068", "\u2069", "\u200e", "\u200f", "\u061c", "\u200b", "\u200c",
                        "\u200d", "\u2060", "\ufeff"]


@pytest.mark.parametrize("column, name", [(1, "nom"), (2, "prénoms"), (4, "adresse")])
def test_invisible_and_direction_characters_are_refused_with_the_line(factory, column, name):
    slug = make_election(factory, status="draft")
    import_text(factory, slug, HEADER + ROWS)
    before = {number: voter.row_digest for number, voter in _voters(factory).items()}
    lines = []
    for index, char in enumerate(INVISIBLE_CHARACTERS):
        # V001 is already on the roll (an update), the others would be new voters.
        fields = f"V{index + 1:03d};Martin;Camille;12/03/1980;3 rue des Lilas;45000;centre"\
            .split(";")
        fields[column] = fields[column][:2] + char + fields[column][2:]
        lines.append(";".join(fields) + "\n")
    report = import_text(factory, slug, HEADER + "".join(lines))
    assert report.rejected == [
        {"line": line, "reason": f"{name} contient un caractère invisible ou de contrôle du "
                                 f"sens d’écriture (U+{ord(char):04X})"}
        for line, char in enumerate(INVISIBLE_CHARACTERS, start=2)]
    assert report.imported == report.updated == 0
    assert {n: v.row_digest for n, v in _voters(factory).items()} == before


def test_names_in_any_script_import_as_written(factory):
    slug = make_election(factory, status="draft")
    names = "V010;Wiśniewski;Łukasz;12/03/1980;2 rue Đặng;45000;centre\n" \
            "V011;Şahin;Nguyễn Thị;12/03/1980;بيروت 5;45000;centre\n"
    report = import_text(factory, slug, HEADER + names)
    assert report.imported == 2 and report.rejected == []
    voters = _voters(factory)
    assert (voters["V010"].first_names, voters["V010"].last_name) == ("Łukasz", "Wiśniewski")
    assert voters["V011"].address == "بيروت 5"
