"""Hostile or damaged pabulib files: every one is refused by line, or computed exactly;
none ends in a traceback (checked through the CLI as well as the parser)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from click.testing import CliRunner

from voting_service.commands.pb import pb
from voting_service.pb import rules
from voting_service.pb.instance import Instance, Project
from voting_service.pb.pabulib import PabulibError, loads_pabulib, read_pabulib
from voting_service.pb.profile import Profile

from .test_pb_pabulib_io import SMALL


def _refused(text_or_bytes, tmp_path, line, message):
    path = tmp_path / "bad.pb"
    if isinstance(text_or_bytes, str):
        text_or_bytes = text_or_bytes.encode("utf-8")
    path.write_bytes(text_or_bytes)
    with pytest.raises(PabulibError) as caught:
        read_pabulib(path)
    assert caught.value.line == line
    assert message in str(caught.value)
    for rule in ("greedy", "mes", "mes-add1"):
        result = CliRunner().invoke(pb, ["tally", str(path), "--rule", rule])
        assert result.exit_code == 1
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert f"bad.pb:{line}: " in result.output if line else "bad.pb: " in result.output
        assert message in result.output


@pytest.mark.parametrize("budget", ["1e999", "9" * 400, "1e99999999999"])
def test_absurd_budgets_are_refused_at_their_line(budget, tmp_path):
    _refused(SMALL.replace("budget;100", f"budget;{budget}"), tmp_path, 6, "budget is too large")


def test_absurd_costs_are_refused_at_their_line(tmp_path):
    _refused(SMALL.replace("2;60.0", "2;1e400"), tmp_path, 11, "cost of project '2' is too large")


def test_large_but_sane_budgets_are_computed_exactly():
    budget = 10 ** 23 + 7
    instance = Instance((Project("a", budget // 2), Project("b", budget // 2 + 1),
                         Project("c", 3)), budget)
    profile = Profile.from_ballots(instance, [{"a", "b"}, {"a"}, {"b", "c"}])
    for rule in ("greedy", "mes", "mes-add1", "mes-greedy"):
        outcome = rules.run({"rule": rule}, instance, profile)
        assert outcome.total_cost <= budget
        assert outcome.selected


def test_fractions_whose_common_denominator_explodes(monkeypatch):
    primes = [1000000007, 1000000009, 1000000021, 1000000033, 1000000087, 1000000093,
              1000000097, 1000000103, 1000000123, 1000000181, 1000000207, 1000000223,
              1000000241, 1000000271, 1000000289, 1000000297, 1000000321, 1000000349,
              1000000363, 1000000403, 1000000409, 1000000411, 1000000427, 1000000433,
              1000000439, 1000000447, 1000000453, 1000000459, 1000000483, 1000000513,
              1000000531, 1000000579, 1000000607, 1000000613]
    instance = Instance(tuple(Project(str(i), Fraction(1, q)) for i, q in enumerate(primes)), 1)
    profile = Profile.from_ballots(instance, [set(instance.ids)])
    # the plain engine (small profiles) works on Python integers: computed exactly
    outcome = rules.run({"rule": "mes"}, instance, profile)
    assert sorted(outcome.selected) == sorted(instance.ids)
    # the numpy engine screens with floats: it refuses, with a clear message
    from voting_service.pb.rules import mes_small
    monkeypatch.setattr(mes_small, "SMALL", 0)
    with pytest.raises(ValueError, match="too precise"):
        rules.run({"rule": "mes"}, instance, profile)


def test_a_vote_line_longer_than_the_csv_field_limit_is_read(tmp_path):
    ids = [str(i) for i in range(30000)]  # ~170,000 characters on the vote line
    text = (f"META\nkey;value\nnum_projects;{len(ids)}\nnum_votes;2\nbudget;100\n"
            "vote_type;approval\nPROJECTS\nproject_id;cost\n"
            + "".join(f"{pid};1\n" for pid in ids)
            + "VOTES\nvoter_id;vote\n1;" + ",".join(ids) + "\n2;7\n")
    path = tmp_path / "long.pb"
    path.write_text(text, encoding="utf-8")
    election = read_pabulib(path)
    assert len(election.votes[0].choice) == 30000
    assert election.profile().scores()["7"] == 2


def test_a_quoted_field_longer_than_the_csv_field_limit_is_refused_by_line(tmp_path):
    _refused(SMALL.replace("Bancs", '"' + "x" * 200_000 + '"'), tmp_path, 12,
             "quoted field is longer than 131,072 characters")


@pytest.mark.parametrize(("change", "line", "message"), [
    (("num_votes;3", "num_votes;4"), 5, "META num_votes is 4 but the file has 3 votes"),
    (("num_projects;3", "num_projects;2"), 4, "META num_projects is 2 but the file has 3 projects"),
    (("num_votes;3", "num_votes;three"), 5, "num_votes is not a whole number"),
    (("3;\"10,5\";Bancs", "3;\"10,5;Bancs"), 12, "a quote is not closed on its line"),
])
def test_inconsistent_or_damaged_files_name_the_line(change, line, message, tmp_path):
    assert change[0] in SMALL
    _refused(SMALL.replace(*change), tmp_path, line, message)


def test_a_file_cut_at_a_line_boundary_is_refused(tmp_path):
    cut = SMALL[:SMALL.index("c;3;41")]
    _refused(cut, tmp_path, 5, "META num_votes is 3 but the file has 2 votes (is it cut short?)")


def test_non_utf8_bytes_name_their_line(tmp_path):
    data = SMALL.replace("Bancs", "Banc\u00e9").encode("latin-1")
    _refused(data, tmp_path, 12, "not UTF-8 text (byte 0xe9 at column 14)")


@pytest.mark.parametrize("content", ["", "\n\n  \r\n", "\ufeff"])
def test_an_empty_file_says_it_is_empty(content, tmp_path):
    _refused(content, tmp_path, None, "the file is empty")


def test_loads_accepts_the_same_text_as_read(tmp_path):
    path = tmp_path / "small.pb"
    path.write_text(SMALL, encoding="utf-8")
    assert loads_pabulib(SMALL).profile().counts == read_pabulib(path).profile().counts
