"""The claims of chapter "What helps" (book/06_mitigations.ipynb), in the words of its prose,
checked on the shipped sweep (data/curriculum_sweep) and on fresh short runs. Thresholds sit near
the measured values (quoted per test) so that a different result fails the test."""

import json

import numpy as np
import pandas as pd
import pytest

from goalmisgen.agents import PPOConfig, load_agent, train
from goalmisgen.analysis import evaluate
from goalmisgen.analysis.replication import rerun_agreement
from goalmisgen.analysis.stats import rate_ci, t_interval_over_seeds
from goalmisgen.claims import mitigations as claims
from goalmisgen.claims.causal_vs_spurious import SUFFICIENT_COIN_RATE
from goalmisgen.exercises.causal_vs_spurious import reference_sufficient_fraction
from goalmisgen.experiments.curriculum_sweep import (CURRICULUM_COLUMNS, CURRICULUM_SAMPLERS,
                                                     CURRICULUM_SWEEP_FRACTIONS, curriculum_summaries,
                                                     distinguishing_history)
from goalmisgen.experiments.headline import HEADLINE_FILTER_RUNS
from goalmisgen.experiments.randomization_sweep import RANDOMIZATION_SEEDS
from goalmisgen.paths import data_dir

SWEEP = data_dir() / "curriculum_sweep"
RANDOMIZATION = data_dir() / "randomization_sweep"

# Measured 2026-11-28 (data/curriculum_sweep, 5 seeds x 3M steps per sampler and alpha, 1000 held-out
# levels; coin rate on good levels over the runs that learned): alpha = 0: DR 0.052, PLR 0.034, PLR - DR
# -0.018 [-0.043, 0.006]; 0.1%: 0.073 and 0.066, -0.008 [-0.070, 0.062]; 0.5%: 0.479 and 0.353, -0.126
# [-0.278, 0.032]; 1%: 0.620 and 0.567, -0.053 [-0.166, 0.056]; every PLR - DR interval includes 0.
# PLR's second-half share / alpha: 34 (0.01%, two seeds near 0), 42, 30, 21, 17 (t-interval lower ends
# 13, 23, 19, 13 from 0.05% on); DR 0.84-0.98. At 0.1% PLR's share 0.030; chapter 2's DR at 2%: coin 0.683.


def _manifest():
    return json.loads((SWEEP / "manifest.json").read_text())


def _episodes():
    return pd.read_csv(SWEEP / _manifest()["episodes_file"])


def _group(sampler, alpha):
    return _manifest()["summaries"]["groups"][f"{sampler}/{alpha:g}"]


def _coin(sampler, alpha, part="mean"):
    return _group(sampler, alpha)["learned"]["moved_good"]["coin_collected"][part]


def _difference(alpha):
    return _manifest()["summaries"]["plr_minus_dr_coin_good"].get(f"{alpha:g}")


def _factors(sampler):
    """{alpha: t-interval over seeds of share_second_half / alpha} for the trials trained here."""
    out = {}
    for alpha in CURRICULUM_SWEEP_FRACTIONS[1:]:
        shares = [t["distinguishing"]["share_second_half"] for t in _manifest()["trials"]
                  if t["config"]["curriculum"] == sampler and t["config"]["random_fraction"] == alpha
                  and t["distinguishing"] is not None]
        if shares:
            out[alpha] = t_interval_over_seeds(np.array(shares) / alpha)
    return out


def test_the_sweep_ships_every_trial_with_its_provenance():
    m = _manifest()
    assert m["experiment"] == "curriculum-sweep" and m["command"].startswith("python -m goalmisgen regenerate")
    for key in ("package_version", "torch_version", "created", "machine", "sweep_wall_time_s"):
        assert key in m, key
    configs = {(t["config"]["curriculum"], t["config"]["random_fraction"], t["config"]["seed"]) for t in m["trials"]}
    assert configs == {(c, p, s) for c in CURRICULUM_SAMPLERS for p in CURRICULUM_SWEEP_FRACTIONS for s in RANDOMIZATION_SEEDS}
    for t in m["trials"]:
        if t["agent"] is not None:
            assert (SWEEP / t["agent"]).is_file(), t["agent"]
        assert (t["agent"] is not None) == (t["source"] != "trained here" or t["config"]["seed"] == 0), t["config"]
        assert (t["distinguishing"] is None) == (t["source"] != "trained here")
    episodes = _episodes()
    assert list(episodes.columns) == list(CURRICULUM_COLUMNS)
    assert len(episodes) == len(m["trials"]) * m["n_levels"]


def test_the_summaries_are_what_the_episode_table_gives():
    m = _manifest()
    again = json.loads(json.dumps(curriculum_summaries(_episodes(), m["trials"]), default=float).replace("NaN", "null"))
    for key, group in m["summaries"]["groups"].items():
        assert again["groups"][key]["learned"]["moved_good"]["coin_collected"] == pytest.approx(
            group["learned"]["moved_good"]["coin_collected"], nan_ok=True), key
    assert again["plr_minus_dr_coin_good"].keys() == m["summaries"]["plr_minus_dr_coin_good"].keys()


def test_the_retrained_domain_randomization_agent_played_like_chapter_2s():
    """Recorded when the sweep ran: level for level as chapter 2's twin on the machine that made both,
    or else (a sweep run on another machine) like one more seed of its alpha."""
    reproduction = _manifest()["reuse"]["reproduction"]
    assert reproduction is not None
    agreement = reproduction.get("agreement")
    assert (reproduction["identical"] and reproduction["levels_differing"] == 0) or (agreement and agreement["agrees"]), \
        reproduction


def test_a_fresh_evaluation_of_a_shipped_plr_agent_agrees_with_its_rows():
    """The same levels and sampling seed as the sweep: identical on the machine that ran it; on
    another, McNemar's exact test on the paired outcomes (``rerun_agreement``)."""
    alpha = CURRICULUM_SWEEP_FRACTIONS[3]
    agent = load_agent(SWEEP / "agents" / f"plr_random{100 * alpha:g}pc_seed0.pt")
    fresh = evaluate(agent, n_levels=_manifest()["n_levels"], coin_placement="random", filter_runs=HEADLINE_FILTER_RUNS,
                     seed=0).episodes
    shipped = _episodes()
    shipped = shipped[(shipped["curriculum"] == "plr") & (shipped["random_fraction"] == alpha)
                      & (shipped["seed"] == 0)].reset_index(drop=True)
    assert np.array_equal(fresh["level_seed"].to_numpy(), shipped["level_seed"].to_numpy())
    for column in ("coin_collected", "reached_end", "died", "good"):
        shipped_column = column if column.startswith("good") else f"moved_{column}"
        check = rerun_agreement(fresh[column].to_numpy(), shipped[shipped_column].to_numpy())
        assert check["agrees"], (column, check)


def test_domain_randomization_hands_out_alpha_as_it_should():
    """Pooled over the seeds of each alpha (one run in fifteen falls outside its own 95% interval
    by chance: 0.035% at alpha = 0.05%, seed 0)."""
    pooled = {}
    for t in _manifest()["trials"]:
        d = t["distinguishing"]
        if t["config"]["curriculum"] != "dr" or d is None or t["config"]["random_fraction"] == 0:
            continue
        played = np.array(d["levels_played"])
        hits = int(round(sum((s or 0) * n for s, n in zip(d["share"], played))))
        total = pooled.setdefault(t["config"]["random_fraction"], [0, 0])
        total[0], total[1] = total[0] + hits, total[1] + int(played.sum())
    assert sorted(pooled) == [0.0001, 0.0005, 0.001]
    for alpha, (hits, n) in pooled.items():
        ci = rate_ci(hits, n)
        assert ci["ci_low"] <= alpha <= ci["ci_high"], (alpha, ci)


@pytest.mark.slow
def test_fresh_plr_runs_hand_out_distinguishing_levels_more_often_than_alpha():
    """Three fresh seeds, 200k steps each (a fifteenth of the sweep's), alpha = 1%: PLR's share over
    the second half of the run is several times alpha on every seed (measured 2026-11-28: 4.4, 10.5
    and 11.2 times for seeds 20-22; at alpha = 0.1% so short a run meets too few distinguishing
    levels to show it: 0.2-0.9 times)."""
    alpha = 0.01
    for seed in (20, 21, 22):
        config = PPOConfig(total_steps=200_000, seed=seed, level_sampler="plr",
                           env_options={"coin_placement": "end", "random_fraction": alpha})
        share = distinguishing_history(train(config, progress=False).history)["share_second_half"]
        assert share > claims.FRESH_PLR_FACTOR_MIN * alpha, (seed, share)


def test_with_no_distinguishing_level_neither_sampler_takes_the_moved_coin():
    for sampler in CURRICULUM_SAMPLERS:
        assert _coin(sampler, 0.0) <= claims.NO_ALPHA_COIN_MAX, sampler
    d = _difference(0.0)
    assert d["ci_low"] <= 0 <= d["ci_high"] and abs(d["mean"]) <= claims.NO_ALPHA_DIFFERENCE_MAX


def test_plr_raised_the_coin_rate_at_no_alpha_and_lowered_it_detectably_at_none():
    for alpha in CURRICULUM_SWEEP_FRACTIONS:
        d = _difference(alpha)
        assert d["ci_low"] <= 0 <= d["ci_high"], (alpha, d)
        assert d["mean"] <= claims.PLR_MINUS_DR_COIN_MAX, (alpha, d)


def test_domain_randomization_reaches_the_threshold_at_one_percent_and_plr_not_in_the_grid():
    def threshold(sampler):
        table = pd.DataFrame([{"fraction": p, **_group(sampler, p)["learned"]["moved_good"]["coin_collected"]}
                              for p in CURRICULUM_SWEEP_FRACTIONS])
        return reference_sufficient_fraction(table, SUFFICIENT_COIN_RATE)
    assert threshold("dr") == claims.DR_SUFFICIENT_FRACTION
    assert threshold("plr") is None
    (plr_low, plr_high), (dr_low, dr_high) = claims.PLR_COIN_AT_ONE_PERCENT_RANGE, claims.DR_COIN_AT_ONE_PERCENT_RANGE
    assert plr_low <= _coin("plr", 0.01) <= plr_high and dr_low <= _coin("dr", 0.01) <= dr_high


def test_plr_hands_out_distinguishing_levels_many_times_more_often_than_alpha():
    plr, dr = _factors("plr"), _factors("dr")
    for alpha in CURRICULUM_SWEEP_FRACTIONS[2:]:
        assert plr[alpha]["ci_low"] >= claims.PLR_FACTOR_CI_LOW_MIN, (alpha, plr[alpha])
        low, high = claims.PLR_FACTOR_RANGE
        assert low <= plr[alpha]["mean"] <= high, (alpha, plr[alpha])
    for alpha, ci in dr.items():
        assert ci["ci_low"] <= 1 <= ci["ci_high"], (alpha, ci)
    assert plr[CURRICULUM_SWEEP_FRACTIONS[1]]["ci_low"] < 1  # at 0.01% some runs met no distinguishing level


def test_more_plays_are_not_more_layouts():
    """At alpha = 0.1% PLR plays distinguishing levels about as often as chapter 2's domain
    randomization at 2%, more episodes of them, and still takes the moved coin far less often."""
    alpha = 0.001
    m = _manifest()
    plr = [t for t in m["trials"] if t["config"]["curriculum"] == "plr" and t["config"]["random_fraction"] == alpha]
    share = float(np.mean([t["distinguishing"]["share_second_half"] for t in plr]))
    low, high = claims.PLR_SHARE_AT_TENTH_PERCENT_RANGE
    assert low <= share <= high, share
    episodes = float(np.median([t["train_metrics"]["episodes"] for t in plr]))
    chapter2 = {s["random_fraction"]: s for s in json.loads((RANDOMIZATION / "manifest.json").read_text())["summaries"].values()}
    nearest = min((f for f in chapter2 if 0 < f < 1), key=lambda f: abs(np.log(f) - np.log(share)))
    assert nearest == claims.CHAPTER2_NEAREST_FRACTION
    assert share * episodes > nearest * episodes
    dr_coin = chapter2[nearest]["learned"]["moved_good"]["coin_collected"]["mean"]
    assert _coin("plr", alpha) <= dr_coin - claims.PLR_BELOW_CHAPTER2_COIN_MIN, (_coin("plr", alpha), dr_coin)


def test_runs_that_never_learned_are_few_and_named():
    learned = {(c, p): _group(c, p)["runs_learned"] for c in CURRICULUM_SAMPLERS for p in CURRICULUM_SWEEP_FRACTIONS}
    failed = {k: 5 - v for k, v in learned.items() if v < 5}
    assert failed == {("dr", 0.001): 1, ("dr", 0.005): 2, ("plr", 0.005): 1}, failed
