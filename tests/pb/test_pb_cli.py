"""``voting-service pb tally`` through click's test runner."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from voting_service.commands.pb import pb

from .conftest import pabulib_params
from .oracle import PABULIB
from .test_pb_pabulib_io import SMALL


def tally(*args):
    return CliRunner().invoke(pb, ["tally", *map(str, args)])


@pytest.fixture
def small(tmp_path):
    path = tmp_path / "small.pb"
    path.write_text(SMALL, encoding="utf-8")
    return path


def test_json_output_holds_selection_costs_and_explanations(small):
    result = tally(small, "--rule", "greedy", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["selected"] == ["1", "2"]
    assert data["total_cost"] == 100 and data["budget"] == 100
    assert set(data["explanations"]) == {"1", "2", "3"}
    assert data["explanations"]["3"]["kind"] == "does-not-fit"
    assert all(isinstance(pid, str) for pid in data["selected"])


def test_text_output_explains_every_project(small):
    result = tally(small, "--rule", "mes", "--satisfaction", "cardinality")
    assert result.exit_code == 0, result.output
    assert "Selected" in result.output and "Not selected" in result.output
    for pid in ("1", "2", "3"):
        assert f" {pid} " in result.output


@pytest.mark.parametrize("rule", ["greedy-no-skip", "mes-add1", "mes-greedy", "majority-judgement"])
def test_every_rule_runs(small, rule):
    result = tally(small, "--rule", rule, "--tie-break", "min-cost", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["rule"] == rule


def test_greedy_threshold_needs_a_threshold(small):
    result = tally(small, "--rule", "greedy-threshold")
    assert result.exit_code != 0 and "threshold" in result.output
    result = tally(small, "--rule", "greedy-threshold", "--threshold", "2", "--json")
    assert json.loads(result.output)["selected"] == []
    result = tally(small, "--rule", "greedy", "--threshold", "2")
    assert result.exit_code != 0


@pytest.mark.parametrize("name", pabulib_params({"Poland_Katowice_2025_Zarzecze.pb"}))
def test_threshold_comes_from_the_file_meta(name):
    result = tally(PABULIB / name, "--rule", "greedy-threshold", "--json")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.output)["selected"]) == 6


def test_malformed_file_names_file_and_line(tmp_path):
    path = tmp_path / "broken.pb"
    path.write_text(SMALL.replace("c;3;41", "c;99;41"), encoding="utf-8")
    result = tally(path, "--rule", "greedy")
    assert result.exit_code == 1
    assert f"{path}:17:" in result.output and "unknown project '99'" in result.output


def test_unknown_rule_and_missing_file_fail_clearly(small, tmp_path):
    result = tally(small, "--rule", "borda")
    assert result.exit_code == 2 and "'borda'" in result.output
    result = tally(tmp_path / "absent.pb", "--rule", "greedy")
    assert result.exit_code == 1 and "absent.pb" in result.output
