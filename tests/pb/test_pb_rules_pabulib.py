"""Our rules against pabutools on the real pabulib elections, and the official outcomes."""

from __future__ import annotations

import pytest

from voting_service.pb import rules

from .conftest import election, pabulib_params, pabutools_election, profile
from .oracle import COMPARED, reference, spec_name

# pabutools takes seconds to minutes on the biggest files: those are compared here on the
# rules it runs in reasonable time (marked slow), and on everything in the benchmark.
# Iterated MES ("add1") reruns MES hundreds of times; pabutools is compared on it where
# that stays within a few seconds.
LARGE = {"Poland_Warszawa_2026.pb", "Hungary_Budapest_2024.pb", "Netherlands_Amsterdam_252.pb"}
ADD1_REFERENCE = {"Netherlands_Assen_2024.pb", "Poland_Katowice_2025_Zarzecze.pb",
                  "Switzerland_Zurich_S5.pb",
                  "US_Stanford_Dataset_PB_Chicago_39th_Ward_2020_vote_rankings.pb",
                  "US_Stanford_Dataset_PB_Chicago_39th_Ward_2020_vote_knapsacks.pb"}


def _cases():
    for param in pabulib_params():
        name = param.values[0]
        for spec in COMPARED:
            marks = list(param.marks)
            if name in LARGE:
                if spec["rule"] in ("mes-add1", "mes-greedy") or spec.get("satisfaction") == "cardinality":
                    continue  # benchmark only
                marks.append(pytest.mark.slow)
            elif spec["rule"] == "mes-add1" and name not in ADD1_REFERENCE:
                continue  # benchmark only
            yield pytest.param(name, spec, marks=marks, id=f"{param.id}-{spec_name(spec)}")


@pytest.mark.parametrize(("name", "spec"), list(_cases()))
def test_same_selection_as_pabutools(name, spec):
    ours = rules.run(spec, election(name).instance, profile(name)).selected
    p_instance, p_profile = pabutools_election(name)
    theirs = reference(spec, p_instance, p_profile, profile(name).is_approval)
    assert sorted(ours) == sorted(theirs)
    assert len(ours) == len(set(ours))


def _official(name):
    rows = election(name).project_rows
    return sorted(pid for pid, row in rows.items() if row["selected"] == "1")


@pytest.mark.parametrize("name", pabulib_params({"Poland_Warszawa_2026.pb",
                                                  "Poland_Katowice_2025_Zarzecze.pb"}))
def test_greedy_threshold_reproduces_official_outcome(name):
    e = election(name)
    assert e.meta["rule"] == "greedy-threshold"
    spec = {"rule": "greedy-threshold", "threshold": int(e.meta["min_project_score_threshold"])}
    outcome = rules.run(spec, e.instance, profile(name))
    assert sorted(outcome.selected) == _official(name)


@pytest.mark.parametrize("name", pabulib_params({"Netherlands_Assen_2024.pb",
                                                  "Poland_Swiecie_2023.pb"}))
def test_mes_add1_reproduces_official_outcome(name):
    e = election(name)
    assert e.meta["rule"] == "equalshares/add1"
    outcome = rules.run({"rule": "mes-add1", "satisfaction": "cost"}, e.instance, profile(name))
    assert sorted(outcome.selected) == _official(name)
    assert outcome.total_cost <= e.instance.budget


@pytest.mark.parametrize("name", pabulib_params({"Poland_Warszawa_2026.pb"}))
def test_warszawa_threshold_excludes_low_scores(name):
    e = election(name)
    outcome = rules.run({"rule": "greedy-threshold", "threshold": 3000}, e.instance, profile(name))
    scores = profile(name).scores()
    below = {pid for pid, s in scores.items() if s < 3000}
    assert below and not below & set(outcome.selected)
    assert all(outcome.explanations[pid].code == "below-threshold" for pid in below)
