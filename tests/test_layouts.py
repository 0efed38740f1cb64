"""Layouts: fingerprints, overlap counts, a training run's overlap, and held-out layouts being new."""

import numpy as np

from goalmisgen.envs.coinrun import levels as lv
from goalmisgen.envs.coinrun import HELD_OUT_START, CoinRunGridVecEnv
from goalmisgen.envs.grid.layout import layout_keys, overlap
from goalmisgen.envs.grid.levels import LevelQueue


def test_layout_keys_equal_for_identical_levels_and_differ_on_one_enemy_phase():
    levels = lv.generate_levels(np.array([3, 3, 8]))
    keys = layout_keys(lv.layout_arrays(levels))
    assert keys[0] == keys[1] and keys[0] != keys[2]
    seed = int(np.nonzero(lv.generate_levels(np.arange(100)).enemy_active.any(axis=1))[0][0])
    pair = lv.generate_levels(np.array([seed, seed]))
    k = int(np.nonzero(pair.enemy_active[1])[0][0])
    pair.enemy_phase[1, k] = (pair.enemy_phase[1, k] + 1) % (2 * (pair.enemy_width[1, k] - 1))
    a, b = layout_keys(lv.layout_arrays(pair))
    assert a != b


def test_layout_keys_ignore_the_coin_unless_asked():
    end, rand = lv.generate_levels(np.arange(20)), lv.generate_levels(np.arange(20), coin_placement="random")
    assert layout_keys(lv.layout_arrays(end)) == layout_keys(lv.layout_arrays(rand))
    with_coin = zip(layout_keys(lv.layout_arrays(end, True)), layout_keys(lv.layout_arrays(rand, True)))
    assert all(a != b for a, b in with_coin)


def test_overlap_counts_seen_levels_and_distinct_training_layouts():
    train = lv.generate_levels(np.array([1, 2, 2, 3]))
    evaluation = lv.generate_levels(np.array([2, 3, 9, 10, 3]))
    result = overlap(lv.layout_arrays(train), lv.layout_arrays(evaluation))
    assert (result.n_eval, result.n_seen, result.n_train_levels, result.n_train_layouts) == (5, 3, 4, 3)
    assert result.fraction == 3 / 5
    chunks = overlap(iter([lv.layout_arrays(train.subset(slice(0, 2))), lv.layout_arrays(train.subset(slice(2, 4)))]),
                     lv.layout_arrays(evaluation))
    assert chunks == result


def test_training_overlap_of_a_tiny_agent(tiny_agent_path):
    from goalmisgen.agents import load_agent
    from goalmisgen.analysis.layouts import training_level_seeds, training_overlap

    agent = load_agent(tiny_agent_path)
    seeds = training_level_seeds(agent)
    assert len(seeds) == agent.config.num_envs + agent.metrics["episodes"]
    assert (seeds < HELD_OUT_START).all()
    held_out = training_overlap(agent, np.arange(HELD_OUT_START, HELD_OUT_START + 200))
    assert held_out.n_eval == 200 and held_out.n_train_levels == len(seeds)
    assert 0 < held_out.n_train_layouts <= len(seeds) and held_out.n_seen <= 2
    replay = training_overlap(agent, seeds[:50], coin_placement="end")
    assert replay.n_seen == 50  # its own training levels were all seen


def test_held_out_layouts_are_new_to_150k_training_levels():
    low, count = 0, HELD_OUT_START
    train = LevelQueue.seeds_handed_out(low, count, seed=0, k=150_000)

    def chunks():
        for start in range(0, len(train), 50_000):
            yield lv.layout_arrays(lv.generate_levels(train[start:start + 50_000]))

    held_out = lv.generate_levels(np.arange(HELD_OUT_START, HELD_OUT_START + 1000), coin_placement="random")
    result = overlap(chunks(), lv.layout_arrays(held_out))
    assert result.n_train_levels == 150_000 and result.n_eval == 1000
    assert result.fraction <= 0.01, f"{result.n_seen} of 1000 held-out layouts occur in training"


def test_a_random_policy_still_finds_the_coin_often_enough_for_ppo_to_start():
    n = 4096
    env = CoinRunGridVecEnv(n)
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    coins = episodes = 0
    for _ in range(400):
        _, _, _, _, info = env.step(rng.integers(0, 6, n))
        if "final_info" in info:
            ended = info["_final_info"]
            episodes += int(ended.sum())
            coins += int(info["final_info"]["coin_collected"][ended].sum())
    assert episodes > 5000
    assert coins / episodes >= 0.01, f"random policy: {coins}/{episodes} episodes collect the coin"
