"""Bad input, one table: every case raises the documented exception with a message naming the value.

Cases span env options, actions, reset seeds and levels, command-line arguments (one ``error:``
line and a non-zero exit), checkpoints and ``evaluate`` arguments.
"""

import contextlib
import io
import math
import re

import numpy as np
import pytest
import torch

from goalmisgen.envs.coinrun import levels as lv
from goalmisgen.envs.coinrun import CoinRunGridEnv, CoinRunGridVecEnv, CoinRunOptions


class CliError(Exception):
    """The command line exited non-zero with exactly one ``error:`` line (the message)."""


def cli(*argv):
    from goalmisgen.__main__ import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(list(argv))
        except SystemExit as stop:  # argparse's own errors
            code = stop.code
    lines = [line for line in err.getvalue().splitlines() if line.startswith("error:") or ": error:" in line]
    if code != 0 and len(lines) == 1:
        raise CliError(lines[0])
    return code, err.getvalue()


def vec_step(actions):
    env = CoinRunGridVecEnv(4)
    env.reset(seed=0)
    env.step(actions)


def single_step(action):
    env = CoinRunGridEnv()
    env.reset(seed=0)
    env.step(action)


def vec_reset(**kwargs):
    CoinRunGridVecEnv(2).reset(**kwargs)


def coin_off_grid():
    levels = lv.generate_levels(np.arange(2))
    levels.coin_x[1], levels.coin_y[1] = 5, 12
    return levels


def text_file(tmp):
    path = tmp / "notes.pt"
    path.write_text("not a checkpoint")
    return path


def truncated_file(tmp, agent_path):
    path = tmp / "truncated.pt"
    path.write_bytes(agent_path.read_bytes()[:2000])
    return path


def wrong_kind(tmp):
    path = tmp / "weights.pt"
    torch.save({"weights": torch.zeros(3)}, path)
    return path


def load(path):
    from goalmisgen.agents import load_agent

    load_agent(path)


def evaluate(agent_path, **kwargs):
    from goalmisgen.agents import load_agent
    from goalmisgen.analysis.evaluate import evaluate as run

    run(load_agent(agent_path), **kwargs)


# (case id, action(tmp, agent_path), exception type, text the message must contain)
CASES = [
    # options
    ("random_fraction=True", lambda t, a: CoinRunOptions(random_fraction=True), ValueError, "random_fraction=True"),
    ("random_fraction=nan", lambda t, a: CoinRunGridVecEnv(2, random_fraction=math.nan), ValueError, "random_fraction=nan"),
    ("random_fraction=inf", lambda t, a: CoinRunGridEnv(random_fraction=math.inf), ValueError, "random_fraction=inf"),
    ("random_fraction=1.5", lambda t, a: CoinRunGridVecEnv(2, random_fraction=1.5), ValueError, "random_fraction=1.5"),
    ("coin_placement=middle", lambda t, a: CoinRunGridVecEnv(2, coin_placement="middle"), ValueError, "coin_placement='middle'"),
    ("unknown option", lambda t, a: CoinRunGridVecEnv(2, colour="red"), ValueError, "['colour']"),
    ("num_envs=True", lambda t, a: CoinRunGridVecEnv(True), ValueError, "num_envs=True"),
    ("num_envs=0", lambda t, a: CoinRunGridVecEnv(0), ValueError, "num_envs=0"),
    ("max_steps=2.5", lambda t, a: CoinRunGridEnv(max_steps=2.5), ValueError, "max_steps=2.5"),
    ("num_levels=-1", lambda t, a: CoinRunGridVecEnv(2, num_levels=-1), ValueError, "num_levels=-1"),
    ("num_sections=0", lambda t, a: CoinRunGridVecEnv(2, num_sections=0), ValueError, "num_sections=0"),
    ("view_radius=True", lambda t, a: CoinRunGridVecEnv(2, view_radius=True), ValueError, "view_radius=True"),
    ("render_mode=human", lambda t, a: CoinRunGridEnv(render_mode="human"), ValueError, "render_mode='human'"),
    ("start_level held out", lambda t, a: CoinRunGridVecEnv(2, start_level=2**31), ValueError, "start_level=2147483648"),
    # actions
    ("actions wrong shape", lambda t, a: vec_step(np.zeros(3, dtype=np.int64)), ValueError, "got shape (3,)"),
    ("actions floats", lambda t, a: vec_step(np.zeros(4)), ValueError, "got dtype float64"),
    ("actions bools", lambda t, a: vec_step(np.ones(4, dtype=bool)), ValueError, "got dtype bool"),
    ("actions out of range", lambda t, a: vec_step(np.array([0, 1, 2, 9])), ValueError, "from 0 to 9"),
    ("single action True", lambda t, a: single_step(True), ValueError, "action=True"),
    ("single action 2.0", lambda t, a: single_step(2.0), ValueError, "action=2.0"),
    ("single action -1", lambda t, a: single_step(-1), ValueError, "action=-1"),
    # reset seeds and levels
    ("seed=-1", lambda t, a: vec_reset(seed=-1), ValueError, "seed=-1"),
    ("seed=True", lambda t, a: vec_reset(seed=True), ValueError, "seed=True"),
    ("seed=1.5", lambda t, a: CoinRunGridEnv().reset(seed=1.5), ValueError, "seed=1.5"),
    ("level_seed=-3", lambda t, a: CoinRunGridEnv().reset(options={"level_seed": -3}), ValueError, "level_seed=-3"),
    ("level_seeds floats", lambda t, a: vec_reset(options={"level_seeds": [1.0, 2.0]}), ValueError, "got dtype float64"),
    ("level_seeds shape", lambda t, a: vec_reset(options={"level_seeds": [1]}), ValueError, "got shape (1,)"),
    ("level_seeds too big", lambda t, a: vec_reset(options={"level_seeds": [1, 2**33]}), ValueError, "to 8589934592"),
    ("levels not a batch", lambda t, a: vec_reset(options={"levels": "x"}), ValueError, "got str"),
    ("levels wrong size", lambda t, a: vec_reset(options={"levels": lv.generate_levels(np.arange(3))}), ValueError, "of 2 levels"),
    ("levels other sections", lambda t, a: vec_reset(options={"levels": lv.generate_levels(np.arange(2), num_sections=3)}),
     ValueError, "3 sections"),
    ("levels coin off the grid", lambda t, a: vec_reset(options={"levels": coin_off_grid()}), ValueError, "(5, 12)"),
    ("unknown reset option", lambda t, a: vec_reset(options={"levles": 1}), ValueError, "['levles']"),
    # command line
    ("cli --steps 0", lambda t, a: cli("train", "coinrun", "--steps", "0", "--out", str(t / "a.pt")), CliError, "--steps=0"),
    ("cli --random-fraction nan", lambda t, a: cli("train", "coinrun", "--random-fraction", "nan", "--out", str(t / "a.pt")),
     CliError, "--random-fraction=nan"),
    ("cli --seed -1", lambda t, a: cli("train", "coinrun", "--seed", "-1", "--out", str(t / "a.pt")), CliError, "--seed=-1"),
    ("cli unknown env", lambda t, a: cli("train", "chess", "--out", str(t / "a.pt")), CliError, "'chess'"),
    ("cli --levels 0", lambda t, a: cli("evaluate", "coinrun", "--agent", str(a), "--levels", "0"), CliError, "--levels=0"),
    ("cli missing agent", lambda t, a: cli("evaluate", "coinrun", "--agent", str(t / "none.pt")), CliError, "none.pt"),
    ("cli --coin-placement middle", lambda t, a: cli("evaluate", "coinrun", "--agent", str(a), "--coin-placement", "middle"),
     CliError, "'middle'"),
    ("cli existing --out", lambda t, a: cli("train", "coinrun", "--out", str(a)), CliError, "tiny.pt' exists"),
    # checkpoints
    ("checkpoint text file", lambda t, a: load(text_file(t)), ValueError, "notes.pt is not a goalmisgen checkpoint"),
    ("checkpoint truncated", lambda t, a: load(truncated_file(t, a)), ValueError, "truncated.pt"),
    ("checkpoint wrong kind", lambda t, a: load(wrong_kind(t)), ValueError, "weights.pt is not a goalmisgen checkpoint"),
    ("checkpoint missing", lambda t, a: load(t / "gone.pt"), FileNotFoundError, "gone.pt"),
    # evaluate()
    ("evaluate n_levels=0", lambda t, a: evaluate(a, n_levels=0), ValueError, "n_levels=0"),
    ("evaluate coin_placement=middle", lambda t, a: evaluate(a, n_levels=2, coin_placement="middle"), ValueError,
     "coin_placement='middle'"),
    ("evaluate filter_runs=True", lambda t, a: evaluate(a, n_levels=2, filter_runs=True), ValueError, "filter_runs=True"),
    ("evaluate interventions=['x']", lambda t, a: evaluate(a, n_levels=2, interventions=["x"]), ValueError, "'x'"),
    ("evaluate seed=-2", lambda t, a: evaluate(a, n_levels=2, seed=-2), ValueError, "seed=-2"),
]


@pytest.mark.parametrize("action, error, message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_raises_a_clear_error_naming_the_value(action, error, message, tmp_path, tiny_agent_path):
    with pytest.raises(error, match=re.escape(message)):
        action(tmp_path, tiny_agent_path)
