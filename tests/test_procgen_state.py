"""Procgen CoinRun saved states: format, checks, coin placement, and that no malformed or foreign
state ever reaches the C++ (which would end the process)."""

import json
import os
import re
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from goalmisgen.envs.procgen_coinrun import state as ps
from goalmisgen.envs.procgen_coinrun import available_backend

SRC = str(Path(__file__).resolve().parents[1] / "src")
needs_procgen = pytest.mark.skipif(available_backend() is None, reason="needs procgen-mirror (Python 3.11/3.12) or procgen-gym (3.13+)")


def synthetic_state(level_seed: int = 7) -> ps.CoinRunSavedState:
    """A hand-built state of a three-section level, laid out as CoinRun's generator would:
    sections at x = 5, 9, 13 with ground heights 3, 5, 2, the coin at the end (17, 2)."""
    text = b" ".join([b"5489"] * 624 + [b"624"])
    options = np.zeros(1, ps.GAME_OPTIONS)
    options[["use_backgrounds", "center_agent", "level_seed_high"]] = (1, 1, 2**31 - 1)
    step = np.zeros(1, ps.STEP)
    step[["timeout", "current_level_seed", "default_action", "last_reward"]] = (1000, level_seed, 4, -1)
    player = np.zeros(1, ps.ENTITY)
    player[["x", "y", "rx", "ry", "alpha", "health", "grow_rate", "alpha_decay", "friction", "expire_time", "auto_erase"]] = (
        1.5, 1.5787, 0.5, 0.5787, 1, 1, 1, 1, 1, -1, 1
    )
    view = np.zeros(1, ps.VIEW)
    view[["char_dim", "mixrate", "maxspeed", "max_jump", "center_x", "center_y"]] = (5, 0.2, 0.5, 1.5, 1.5, 1.5787)
    world = np.zeros(1, ps.WORLD)
    world[["main_width", "main_height", "out_of_bounds_object", "unit", "view_dim", "visibility"]] = (64, 64, ps.WALL_MID, 4.923077, 13, 13)
    coinrun = np.zeros(1, ps.COINRUN)
    coinrun[["last_agent_y", "gravity", "air_control"]] = (1.5787, 0.2, 0.15)
    g = np.full((64, 64), ps.SPACE, dtype=np.int32)
    g[0, :] = ps.WALL_TOP
    g[:, 0] = g[:, 63] = g[63, :] = ps.WALL_MID
    for x0, dx, h in ((5, 4, 3), (9, 4, 5), (13, 4, 2), (17, 1, 2)):
        g[: h - 1, x0 : x0 + dx] = ps.WALL_MID
        g[h - 1, x0 : x0 + dx] = ps.WALL_TOP
    g[3, 4] = g[5, 8] = g[5, 13] = ps.ENEMY_BARRIER
    g[2, 17] = ps.GOAL
    g[:, 18:] = ps.WALL_MID
    gen = ps.RandGenState(1, text)
    return ps.CoinRunSavedState(
        ps.GAME_NAME, options, gen, ps.RandGenState(1, text), step, 4096, player, view, ps.RandGenState(1, text), world, g, coinrun
    )


# ---- format (pure Python) ---------------------------------------------------------------------


def test_record_layouts_match_the_cpp_serializers():
    assert ps.ENTITY.itemsize == 124  # 31 four-byte fields in Entity::serialize
    assert (ps.GAME_OPTIONS.itemsize, ps.STEP.itemsize, ps.VIEW.itemsize, ps.WORLD.itemsize, ps.COINRUN.itemsize) == (68, 60, 76, 36, 28)
    assert ps.TAIL_BYTES == 16416
    assert struct.pack("<i", ps.END_OF_BUFFER) == struct.pack("<I", 0xCAFECAFE)


def test_a_synthetic_state_survives_serialize_then_parse():
    data = synthetic_state().to_bytes()
    again = ps.parse_state(data)
    assert again.to_bytes() == data
    assert struct.unpack_from("<iii", data, len(data) - ps.TAIL_BYTES - 12) == (64, 64, 4096)
    assert again.level_seed == 7 and again.player_xy == pytest.approx((1.5, 1.5787))


def test_section_starts_follow_the_generator_layout():
    state = synthetic_state()
    assert ps.coin_cells(state.grid) == [(17, 2)]
    assert ps.section_starts(state.grid, 17) == [(5, 3), (9, 5), (13, 2)]


@pytest.mark.parametrize("placement", ["end", "random", "none"])
def test_place_coin_moves_removes_or_keeps_the_coin(placement):
    state = synthetic_state(level_seed=11)
    before = state.grid.copy()
    edit = ps.place_coin(state, placement)
    assert edit.end == (17, 2) and edit.random_cell in [(5, 3), (9, 5), (13, 2)]
    changed = np.argwhere(state.grid != before)
    if placement == "end":
        assert not edit.moved and edit.coin == (17, 2) and len(changed) == 0
    else:
        assert edit.moved and state.grid[2, 17] == ps.ENEMY_BARRIER
        assert ps.coin_cells(state.grid) == ([] if placement == "none" else [edit.random_cell])
        assert len(changed) == (1 if placement == "none" else 2)
    ps.parse_state(state.to_bytes())


def test_random_coin_cell_depends_only_on_the_level_seed():
    picks = {seed: ps.random_coin_cell(synthetic_state(seed).grid, (17, 2), seed) for seed in range(60)}
    assert all(ps.random_coin_cell(synthetic_state(s).grid, (17, 2), s) == c for s, c in picks.items())
    assert set(picks.values()) == {(5, 3), (9, 5), (13, 2)}


def test_random_fraction_moves_that_share_of_levels_and_always_the_same_ones():
    seeds = np.arange(20_000)
    moved = ps.coin_is_random(seeds, 0.02)
    assert 0.015 < moved.mean() < 0.025
    assert np.array_equal(moved, ps.coin_is_random(seeds, 0.02))
    assert not ps.coin_is_random(seeds, 0.0).any() and ps.coin_is_random(seeds, 1.0).all()


def _patched(data: bytes, offset: int, fmt: str, value) -> bytes:
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, value)
    return bytes(out)


def test_malformed_states_raise_value_errors_that_say_what_is_wrong():
    state = synthetic_state()
    data = state.to_bytes()
    grid_at = len(data) - ps.TAIL_BYTES
    name_len_at, options_at = 4, 4 + 4 + len(ps.GAME_NAME)
    player_at = data.index(state.entities.tobytes())
    cases = {
        "END_OF_BUFFER": data[:-4] + b"\0\0\0\0",
        "the entities needs 124000 bytes": _patched(data, player_at - 4, "<i", 1000),
        "length 6553600": data[:100] + data[-ps.TAIL_BYTES:],
        "not of 'coinrun'": data[:8] + b"bigfish" + data[15:],
        "length": _patched(data, name_len_at, "<i", -5),
        "grid header": _patched(data, grid_at - 12, "<i", 65),
        "grid cell (3, 0)": _patched(data, grid_at + 4 * 3, "<i", 42),
        "level seed": _patched(data, options_at + 4 * 14, "<i", 0),
        "entity.x": _patched(data, player_at, "<f", float("nan")),
        "removal": _patched(data, player_at + 40, "<i", 1),
        "image_theme 7 is out of range": _patched(data, player_at + 32, "<i", 7),
        "serialize version": _patched(data, 0, "<i", 1),
        "left over": data[:-4] + b"\0\0\0\0" + data[-4:],
        "mt19937": data.replace(b"5489 5489", b"5489 x489", 1),
        "1..": b"",
    }
    for expected, bad in cases.items():
        with pytest.raises(ValueError, match=re.escape(expected)):
            ps.parse_state(bad)
    with pytest.raises(ValueError, match="must be bytes"):
        ps.parse_state("not bytes")


def test_a_state_saved_under_other_options_is_rejected():
    state = synthetic_state()
    easy = dict(state.option_values(), distribution_mode=0)
    ps.check_compatible(state, easy)
    with pytest.raises(ValueError, match="distribution_mode=0 \\(env has 1\\)"):
        ps.check_compatible(state, dict(easy, distribution_mode=1))


def test_bad_placements_and_seed_ranges_are_rejected():
    with pytest.raises(ValueError, match="coin_placement='left'"):
        ps.place_coin(synthetic_state(), "left")
    with pytest.raises(ValueError, match="level seed range"):
        ps.set_level_seed_range(synthetic_state(), 5, 5)


SECTIONS = {"options": "options", "step": "step", "entity": "entities", "view": "view", "world": "world", "coinrun": "coinrun"}


def test_every_int_field_is_bounded_checked_on_its_own_or_only_a_seed():
    for what, attr in SECTIONS.items():
        records = getattr(synthetic_state(), attr)
        ints = {name for name in records.dtype.names if records.dtype[name].kind == "i"}
        covered = set(ps.INT_RANGES.get(what, {})) | ps.CHECKED_ELSEWHERE.get(what, set()) | ps.HARMLESS_INTS.get(what, set())
        assert ints == covered, f"{what}: unaccounted {sorted(ints - covered)}, unknown {sorted(covered - ints)}"


INT_PROBES = [
    (what, name, value)
    for what, ranges in ps.INT_RANGES.items()
    for name, (low, high) in ranges.items()
    for value in (low - 1, high + 1, -(2**31), 2**31 - 1)
    if not low <= value <= high and -(2**31) <= value < 2**31
]


@pytest.mark.parametrize(("what", "name", "value"), INT_PROBES, ids=[f"{w}.{n}={v}" for w, n, v in INT_PROBES])
def test_an_int_field_out_of_coinruns_range_is_refused_naming_it(what, name, value):
    """Flags, actions and counters the C++ reads (use_procgen_background=1 aborts the process when
    the env is closed) are refused with a message naming the field and the value."""
    state = synthetic_state()
    getattr(state, SECTIONS[what])[name][0] = value
    with pytest.raises(ValueError, match=re.escape(f"{what}.{name}={value} is out of range")):
        ps.parse_state(state.to_bytes())


def _with_entity(kind: int, image_type: int, theme: int = 0) -> ps.CoinRunSavedState:
    state = synthetic_state()
    other = state.entities.copy()
    other[["x", "type", "image_type", "image_theme", "render_z"]] = (3.5, kind, image_type, theme, 0)
    state.entities = np.concatenate([state.entities, other])
    return state


@pytest.mark.parametrize(
    ("kind", "image_type", "theme", "message"),
    [
        (ps.SAW, ps.CRATE, 3, "image_type 20 is not one CoinRun draws for entity type 2"),
        (ps.SAW, ps.ENEMY1, 0, "image_type 6 is not one CoinRun draws for entity type 2"),
        (ps.ENEMY, ps.SAW, 0, "image_type 2 is not one CoinRun draws for entity type 5"),
        (ps.CRATE, ps.CRATE, 4, "image_theme 4 is out of range"),
        (ps.PLAYER, ps.PLAYER, 0, "2 player entities"),
    ],
    ids=["crate-turned-saw", "saw-with-enemy-image", "enemy-with-saw-image", "crate-theme-4", "second-player"],
)
def test_an_entity_drawn_with_another_kinds_image_is_refused(kind, image_type, theme, message):
    """A crate whose type is set to a saw kept its crate theme (3); CoinRun then draws it as a saw,
    which has one theme, and the C++ read past its asset list (segfault)."""
    ps.parse_state(_with_entity(ps.CRATE, ps.CRATE, 3).to_bytes())
    with pytest.raises(ValueError, match=re.escape(message)):
        ps.parse_state(_with_entity(kind, image_type, theme).to_bytes())


# ---- real states from the C++ -----------------------------------------------------------------


@pytest.fixture(scope="module")
def real_states():
    """States of 64 easy and 64 hard games, at the start and after 40 random steps."""
    from goalmisgen.envs.procgen_coinrun.backends import BACKEND_CLASSES, import_backend

    name, module = import_backend(None)
    out = []
    rng = np.random.default_rng(0)
    for mode in ("easy", "hard"):
        backend = BACKEND_CLASSES[name](module, 64, {"distribution_mode": mode, "rand_seed": 1, "num_threads": 0})
        backend.observe()
        out += [(backend.get_state(i), backend.level_seeds()[i]) for i in range(64)]
        for _ in range(40):
            backend.act(rng.integers(0, 15, size=64).astype(np.int32))
        backend.observe()
        out += [(backend.get_state(i), None) for i in range(64)]
        backend.close()
    return out


@needs_procgen
def test_states_of_long_play_in_both_modes_all_pass_the_checks():
    """Hundreds of real states over 1,100 steps of mostly rightward play (coins, deaths, timeouts,
    both modes) all pass parse_state: the bounds refuse nothing CoinRun produces."""
    from goalmisgen.envs.procgen_coinrun.backends import BACKEND_CLASSES, import_backend

    name, module = import_backend(None)
    rng = np.random.default_rng(3)
    checked, ends, coins = 0, 0, 0
    for mode in ("easy", "hard"):
        backend = BACKEND_CLASSES[name](module, 8, {"distribution_mode": mode, "rand_seed": 5, "num_threads": 0, "center_agent": True})
        backend.observe()
        for t in range(1100):
            actions = np.where(rng.random(8) < 0.6, rng.choice([2, 5, 7, 8], size=8), rng.integers(0, 15, size=8))
            backend.act(actions.astype(np.int32))
            reward, _, first = backend.observe()
            ends, coins = ends + int(first.sum()), coins + int((reward > 0).sum())
            if t % 25 == 0 or t == 998:
                for i in range(8):
                    ps.parse_state(backend.get_state(i))
                    checked += 1
        backend.close()
    assert checked >= 700 and coins > 10 and ends > coins


@needs_procgen
def test_parse_then_serialize_is_byte_identical(real_states):
    for data, level_seed in real_states:
        state = ps.parse_state(data)
        assert state.to_bytes() == data
        assert state.game_name == "coinrun" and state.player_index == 0
        assert ps.player_xy(data) == state.player_xy
        assert np.array_equal(state.grid.reshape(-1), np.frombuffer(data[-ps.TAIL_BYTES : -32], dtype="<i4"))
        if level_seed is not None:
            assert state.level_seed == level_seed


@needs_procgen
def test_random_coin_cells_follow_the_langosco_rule(real_states):
    for data, level_seed in real_states:
        if level_seed is None:
            continue
        state = ps.parse_state(data)
        (end,) = ps.coin_cells(state.grid)
        x, y = ps.random_coin_cell(state.grid, end, int(level_seed))
        assert 5 <= x < end[0], "never at x < 5, never at the end"
        assert state.grid[y - 1, x] == ps.WALL_TOP, "on top of the ground"
        assert ps.ground_height(state.grid)[x - 1] != y, "in the first column of a section"


FUZZ_SCRIPT = textwrap.dedent(
    """
    import json, struct, sys
    import numpy as np
    from goalmisgen.envs.procgen_coinrun import state as ps
    from goalmisgen.envs.procgen_coinrun import ProcgenCoinRunVecEnv
    from goalmisgen.envs.procgen_coinrun.backends import import_backend

    rng = np.random.default_rng(int(sys.argv[1]))
    FIELD_VALUES = [-2**31, -1, 1, 2, 16, 1001, 2**31 - 1]
    env = ProcgenCoinRunVecEnv(num_envs=2, distribution_mode="easy", coin_placement="random")
    env.reset(seed=1)
    for _ in range(25):
        env.step(rng.integers(0, 15, size=2))
    good = env.get_saved_state(0).to_bytes()
    state = ps.parse_state(good)
    grid_at, ent_at = len(good) - ps.TAIL_BYTES, good.index(state.entities.tobytes())

    def mutate(k):
        data = bytearray(good)
        kind = k % 7
        if kind == 0:
            for _ in range(int(rng.integers(1, 4))):
                data[int(rng.integers(0, len(data)))] = int(rng.integers(0, 256))
        elif kind == 1:
            data[ent_at + int(rng.integers(0, 124 * len(state.entities)))] ^= 1 << int(rng.integers(0, 8))
        elif kind == 2:
            i = 4 * int(rng.integers(0, grid_at // 4))
            data[i : i + 4] = struct.pack("<i", int(rng.choice([-1, 2**31 - 1, -2**31, int(rng.integers(-99, 99))])))
        elif kind == 3:
            i = 4 * int(rng.integers(0, grid_at // 4))
            data[i : i + 4] = struct.pack("<f", float(rng.choice([np.nan, np.inf, -1e30, 1e30, rng.normal() * 50])))
        elif kind == 4:
            i = grid_at + 4 * int(rng.integers(0, 4096))
            data[i : i + 4] = struct.pack("<i", int(rng.integers(-5, 300)))
        elif kind == 5:
            data = data[: int(rng.integers(0, len(data)))]
        else:
            data = bytearray(rng.integers(0, 256, size=len(good), dtype=np.uint8).tobytes())
        return bytes(data)

    name, module = import_backend(None)
    if name == "procgen-mirror":
        other_game = module.ProcgenGym3Env(num=1, env_name="bigfish").callmethod("get_state")[0]
    else:
        other_game = module.ProcgenVecEnv(num_envs=1, env_name="bigfish").get_state()[0]
    hard = ProcgenCoinRunVecEnv(num_envs=1, distribution_mode="hard")
    hard.reset(seed=2)
    empty_range = ps.parse_state(good)
    empty_range.options["level_seed_high"] = empty_range.options["level_seed_low"]
    foreign = {
        "another game": other_game,
        "hard mode": hard.get_saved_state(0).to_bytes(),
        "empty level range": empty_range.to_bytes(),
        "garbage": b"\\x00" * 100,
        "text": "coinrun",
    }
    counts = {"rejected": 0, "accepted": 0, "foreign_rejected": []}
    for k in range(int(sys.argv[2])):
        try:
            env.set_saved_state(0, mutate(k))
        except ValueError:
            counts["rejected"] += 1
            continue
        counts["accepted"] += 1
        for _ in range(3):
            env.step(rng.integers(0, 15, size=2))
        env.set_saved_state(0, good)
    hard_good = hard.get_saved_state(0).to_bytes()
    counts["fields_rejected"] = counts["fields_accepted"] = 0
    for target, base in ((env, good), (hard, hard_good)) if sys.argv[3] == "fields" else ():
        parsed = ps.parse_state(base)
        rows = [int(np.flatnonzero(parsed.entities["type"] == kind)[0]) for kind in np.unique(parsed.entities["type"])]
        for attr in ("options", "step", "entities", "view", "world", "coinrun"):
            records = getattr(parsed, attr)
            for row in rows if attr == "entities" else [0]:
                for name in [n for n in records.dtype.names if records.dtype[n].kind == "i"]:
                    for value in FIELD_VALUES if name != "type" else sorted(ps.ENTITY_TYPES):
                        edited = ps.parse_state(base)
                        getattr(edited, attr)[name][row] = value
                        try:
                            target.set_saved_state(0, edited)
                        except ValueError:
                            counts["fields_rejected"] += 1
                            continue
                        counts["fields_accepted"] += 1
                        target.step(rng.integers(0, 15, size=target.num_envs))
        target.set_saved_state(0, base)
    for what, data in foreign.items():
        try:
            env.set_saved_state(0, data)
        except ValueError:
            counts["foreign_rejected"].append(what)
    env.step(np.zeros(2, dtype=np.int64))
    print(json.dumps(counts))
    """
)


@needs_procgen
def test_fuzzed_and_foreign_states_never_crash_the_interpreter():
    """Each set_state attempt runs in a child process: a state that slipped past the checks and
    failed inside the C++ would end that process, and this test would see it. Besides random
    mutations, the first child gives every int field of an easy and a hard state (each entity kind) gets extreme values
    (and every entity type); what is accepted is stepped. (A crate turned into a saw, and
    use_procgen_background=1 when the env was closed, killed the process before.)"""
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for seed, fields in ((1, "fields"), (2, "")):
        run = subprocess.run([sys.executable, "-c", FUZZ_SCRIPT, str(seed), "210", fields], capture_output=True, text=True, env=env, timeout=600)
        assert run.returncode == 0, f"the interpreter died (exit code {run.returncode}): {run.stderr[-2000:]}"
        counts = json.loads(run.stdout.strip().splitlines()[-1])
        assert counts["rejected"] > 150 and counts["rejected"] + counts["accepted"] == 210
        assert counts["foreign_rejected"] == ["another game", "hard mode", "empty level range", "garbage", "text"]
        if fields:
            assert counts["fields_rejected"] > 800 and counts["fields_accepted"] > 200, counts
