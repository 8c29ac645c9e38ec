"""Reading and writing pabulib files: real files, format corners, errors, pabutools parity."""

from __future__ import annotations

import io
from collections import Counter
from fractions import Fraction

import pytest
from pabutools.election import parse_pabulib as pabutools_parse
from pabutools.election.pabulib import election_as_pabulib_string, parse_pabulib_from_string

from voting_service.pb.pabulib import (PabulibError, dumps_pabulib, loads_pabulib, parse_pabulib,
                                       read_pabulib)

from .conftest import election, pabulib_params
from .oracle import PABULIB

SMALL = """META
key;value
description;test
num_projects;3
num_votes;3
budget;100
vote_type;approval
PROJECTS
project_id;cost;name
1;40;"Parc; jardin"
2;60.0;Fontaine "bleue"
3;"10,5";Bancs
VOTES
voter_id;vote;age
a;1,2;30
b;;None
c;3;41
"""


@pytest.mark.parametrize("name", pabulib_params())
def test_real_files_parse_completely(name):
    e = election(name)
    assert len(e.votes) == int(e.meta["num_votes"])
    assert len(e.instance) == int(e.meta["num_projects"])
    assert e.profile().num_voters == len(e.votes)


def test_quoted_fields_decimal_costs_and_empty_votes():
    e = loads_pabulib(SMALL)
    assert e.project_rows["1"]["name"] == "Parc; jardin"
    assert e.instance.cost("2") == 60 and e.instance.cost("3") == Fraction(21, 2)
    assert [v.choice for v in e.votes] == [("1", "2"), (), ("3",)]
    assert e.votes[0].extra == {"age": "30"}
    assert e.profile().num_voters == 3


def test_byte_order_mark_and_crlf(tmp_path):
    path = tmp_path / "bom.pb"
    path.write_bytes(("\ufeff" + SMALL.replace("\n", "\r\n")).encode("utf-8"))
    e = read_pabulib(path)
    assert e.meta["description"] == "test" and len(e.votes) == 3
    assert e.project_rows["1"]["name"] == "Parc; jardin"


@pytest.mark.parametrize(("change", "line", "message"), [
    (("c;3;41", "c;7;41"), 17, "unknown project '7'"),
    (("a;1,2;30", "a;1,2"), 15, "expected 3 fields, found 2"),
    (("2;60.0", "2;sixty"), 11, "cost of project '2' is not a number"),
    (("3;\"10,5\"", "1;\"10,5\""), 12, "duplicate project_id '1'"),
    (("a;1,2;30", "a;1,1;30"), 15, "vote lists a project twice"),
    (("c;3;41", "a;3;41"), 17, "duplicate voter_id 'a'"),
    (("META\n", "HEADER\n"), 1, "expected a META, PROJECTS or VOTES section header"),
    (("project_id;cost;name", "project_id;price;name"), 9, "PROJECTS header lacks 'cost'"),
])
def test_malformed_files_name_the_line(change, line, message):
    text = SMALL.replace(*change)
    with pytest.raises(PabulibError) as caught:
        loads_pabulib(text, source="bad.pb")
    assert caught.value.line == line
    assert str(caught.value).startswith(f"bad.pb:{line}: ")
    assert message in str(caught.value)


@pytest.mark.parametrize(("change", "message"), [
    (("budget;100\n", ""), "META lacks 'budget'"),
    (("vote_type;approval", "vote_type;plurality"), "unsupported vote_type"),
    (("VOTES\nvoter_id;vote;age\na;1,2;30\nb;;None\nc;3;41\n", ""), "no VOTES section"),
])
def test_malformed_files_without_a_line(change, message):
    with pytest.raises(PabulibError, match=message):
        loads_pabulib(SMALL.replace(*change), source="bad.pb")


def test_cumulative_points_must_match_projects():
    text = SMALL.replace("vote_type;approval", "vote_type;cumulative").replace(
        "voter_id;vote;age", "voter_id;vote;age;points").replace(
        "a;1,2;30", "a;1,2;30;2").replace("b;;None", "b;;None;").replace("c;3;41", "c;3;41;1")
    with pytest.raises(PabulibError, match="2 projects but 1 points") as caught:
        loads_pabulib(text)
    assert caught.value.line == 15


def _pabutools_view(instance, profile):
    projects = sorted((p.name, Fraction(int(p.cost.numerator), int(p.cost.denominator)))
                      for p in instance)
    ballots = Counter()
    for ballot in profile:
        if type(ballot).__name__ == "OrdinalBallot":
            ballots[tuple(p.name for p in ballot)] += 1
        elif hasattr(ballot, "items"):
            ballots[tuple(sorted((p.name, Fraction(int(v.numerator), int(v.denominator)))
                                 for p, v in ballot.items()))] += 1
        else:
            ballots[tuple(sorted(p.name for p in ballot))] += 1
    budget = Fraction(int(instance.budget_limit.numerator), int(instance.budget_limit.denominator))
    return projects, budget, ballots


ROUND_TRIP = {"Netherlands_Assen_2024.pb", "Poland_Katowice_2025_Zarzecze.pb",
              "France_Toulouse_2019.pb", "France_Toulouse_2022.pb", "Poland_Swiecie_2023.pb",
              "US_Stanford_Dataset_PB_Chicago_39th_Ward_2020_vote_rankings.pb",
              "Switzerland_Zurich_S5.pb"}


@pytest.mark.parametrize("name", pabulib_params(ROUND_TRIP))
def test_our_output_reads_identically_in_pabutools(name):
    original = pabutools_parse(str(PABULIB / name))
    written = parse_pabulib_from_string(dumps_pabulib(election(name)))
    assert _pabutools_view(*written) == _pabutools_view(*original)


@pytest.mark.parametrize("name", pabulib_params(ROUND_TRIP))
def test_pabutools_output_reads_identically_in_ours(name):
    text = election_as_pabulib_string(*pabutools_parse(str(PABULIB / name)))
    ours = loads_pabulib(text)
    original = election(name)
    assert ours.instance.budget == original.instance.budget
    assert sorted((p.id, p.cost) for p in ours.instance.projects) == \
        sorted((p.id, p.cost) for p in original.instance.projects)
    assert ours.profile().counts == original.profile().counts


def test_write_then_read_is_identity_and_quotes_separators():
    e = loads_pabulib(SMALL)
    again = loads_pabulib(dumps_pabulib(e))
    without_cost = [{k: v for k, v in row.items() if k != "cost"} for row in e.project_rows.values()]
    assert [{k: v for k, v in row.items() if k != "cost"}
            for row in again.project_rows.values()] == without_cost
    assert [(v.voter_id, v.choice, v.extra) for v in again.votes] == \
        [(v.voter_id, v.choice, v.extra) for v in e.votes]
    assert again.instance == e.instance


def test_empty_cumulative_ballots_survive_pabutools():
    text = SMALL.replace("vote_type;approval", "vote_type;cumulative").replace(
        "voter_id;vote;age", "voter_id;vote;points").replace(
        "a;1,2;30", "a;1,2;2,1").replace("b;;None", "b;None;None").replace("c;3;41", "c;3;1")
    e = loads_pabulib(text)
    assert e.votes[1].choice == ()
    instance, profile = parse_pabulib_from_string(dumps_pabulib(e))
    assert len(profile) == 3


def test_writer_refuses_line_breaks_in_fields():
    e = loads_pabulib(SMALL)
    e.project_rows["1"]["name"] = "two\nlines"
    with pytest.raises(ValueError, match="line break"):
        dumps_pabulib(e)


def test_parse_takes_a_text_stream():
    assert len(parse_pabulib(io.StringIO(SMALL, newline="")).votes) == 3
