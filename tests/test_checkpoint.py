"""Checkpoint format v2: algorithm and config recorded, v1 still read, bad files refused cleanly."""

import copy
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from goalmisgen.agents import PPOConfig, load_agent, save_policy
from goalmisgen.agents.checkpoint import FORMAT, FORMAT_V1
from goalmisgen.agents.networks import make_network

DATA = Path(__file__).resolve().parents[1] / "data"
OBS = np.random.default_rng(0).integers(0, 2, size=(16, 5, 10, 11), dtype=np.uint8)


def _policy(seed=0, name="mlp", obs_shape=(5, 10, 11), hidden=16):
    torch.manual_seed(seed)
    return make_network(name, obs_shape, 6, hidden)


def _payload(tmp_path) -> dict:
    """A valid v2 payload (a small BC-style policy) as a dict, to be broken by the cases below."""
    path = save_policy(_policy(), "bc", {"epochs": 3, "seed": 1}, {"accuracy": 0.5}, tmp_path / "ok.pt",
                       "coinrun", {"coin_placement": "end"})
    return torch.load(path, weights_only=True)


def test_a_non_ppo_policy_round_trips_with_its_algorithm_and_config(tmp_path):
    policy = _policy(3)
    path = save_policy(policy, "bc", {"epochs": np.int64(3), "lr": np.float32(0.5), "layers": (1, 2)},
                       {"accuracy": np.float64(0.75)}, tmp_path / "bc.pt", "coinrun", {"coin_placement": "end"},
                       extra={"note": "demo"})
    agent = load_agent(path)
    assert agent.algorithm == "bc" and agent.config == {"epochs": 3, "lr": 0.5, "layers": [1, 2]}
    assert agent.metrics == {"accuracy": 0.75} and agent.extra == {"note": "demo"}
    assert agent.env == "coinrun" and agent.env_options == {"coin_placement": "end"}
    with torch.inference_mode():
        expected = policy(torch.from_numpy(OBS))[0].argmax(1).numpy()
    assert np.array_equal(agent.act(OBS, deterministic=True), expected)
    assert torch.load(path, weights_only=True)["format"] == FORMAT


def test_the_older_ppo_call_still_saves(tmp_path):
    config = PPOConfig(total_steps=1024, num_envs=8, num_steps=8, hidden=16, seed=5)
    agent = load_agent(save_policy(_policy(hidden=16), config, {"coin_rate": 0.1}, tmp_path / "p.pt"))
    assert agent.algorithm == "ppo" and agent.config == config


@pytest.mark.parametrize("path", sorted(DATA.glob("*/*.pt")), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_shipped_checkpoints_load_and_resave_as_v2(tmp_path, path):
    payload = torch.load(path, weights_only=True)
    assert payload["format"] in (FORMAT_V1, FORMAT)
    agent = load_agent(path)
    assert agent.algorithm == "ppo" and agent.config.seed == payload["config"]["seed"]
    again = load_agent(save_policy(agent.policy, "ppo", agent.config, agent.metrics, tmp_path / "v2.pt",
                                   agent.env, agent.env_options, agent.extra))
    obs = np.random.default_rng(1).integers(0, 256, size=(4,) + agent.obs_shape).astype(np.uint8)
    assert np.allclose(agent.action_probs(obs), again.action_probs(obs))
    assert again.config == agent.config and again.extra.keys() == agent.extra.keys()


def test_some_shipped_checkpoints_are_still_v1_so_the_v1_reader_is_exercised():
    formats = {torch.load(p, weights_only=True)["format"] for p in DATA.glob("*/*.pt")}
    assert FORMAT_V1 in formats


def _set(*keys, value):
    def change(p):
        target = p
        for k in keys[:-1]:
            target = target[k]
        target[keys[-1]] = value(target[keys[-1]]) if callable(value) else value
    return change


def _drop(*keys):
    def change(p):
        target = p
        for k in keys[:-1]:
            target = target[k]
        del target[keys[-1]]
    return change


def _expanded(p):
    # one stored number viewed as a whole weight matrix (stride 0): not really "in the file"
    p["state_dict"]["body.1.weight"] = torch.zeros(1).expand(16, 550)


NOT_A_CHECKPOINT = "not a goalmisgen checkpoint"
MALFORMED = "malformed checkpoint"

BAD = [
    ("no format", _drop("format"), NOT_A_CHECKPOINT),
    ("future format", _set("format", value="goalmisgen-agent-v9"), NOT_A_CHECKPOINT),
    ("no state_dict", _drop("state_dict"), "no 'state_dict'"),
    ("no network", _drop("network"), "no 'network'"),
    ("no env", _drop("env"), "no 'env'"),
    ("no config", _drop("config"), "no 'config'"),
    ("no algorithm", _drop("algorithm"), "no 'algorithm'"),
    ("algorithm not a string", _set("algorithm", value=3), "'algorithm' entry is a int"),
    ("algorithm with odd characters", _set("algorithm", value="../bc"), "algorithm='../bc'"),
    ("config a list", _set("config", value=[1, 2]), "'config' entry is a list"),
    ("env a number", _set("env", value=7), "'env' entry is a int"),
    ("env_options a string", _set("env_options", value="end"), "'env_options' entry is a str"),
    ("metrics with a string", _set("metrics", value={"accuracy": "high"}), "metrics must map names to numbers"),
    ("extra a list", _set("extra", value=[1]), "'extra' entry is a list"),
    ("network a list", _set("network", value=[1]), "'network' entry is a list"),
    ("unknown network", _set("network", "name", value="transformer"), "network 'transformer' is unknown"),
    ("network without hidden", _drop("network", "hidden"), "no 'hidden'"),
    ("hidden zero", _set("network", "hidden", value=0), "hidden=0"),
    ("hidden a bool", _set("network", "hidden", value=True), "hidden=True"),
    ("hidden a float", _set("network", "hidden", value=16.0), "hidden=16.0"),
    ("hidden above the limit (22 GB)", _set("network", "hidden", value=10**7), "hidden=10000000"),
    ("hidden asking for 17 GB", _set("network", "hidden", value=65536), "more than the limit"),
    ("hidden not matching the weights", _set("network", "hidden", value=4000), "shape"),
    ("obs_shape negative", _set("network", "obs_shape", value=[5, -10, 11]), "obs_shape=-10"),
    ("obs_shape a string", _set("network", "obs_shape", value="5x10x11"), "obs_shape='5x10x11'"),
    ("obs_shape too many axes", _set("network", "obs_shape", value=[1] * 6), "1 to 4 sizes"),
    ("obs_shape huge", _set("network", "obs_shape", value=[4096, 4096, 4096]), "more than the limit"),
    ("obs_shape wrong for the weights", _set("network", "obs_shape", value=[5, 10, 13]), "shape"),
    ("num_actions zero", _set("network", "num_actions", value=0), "num_actions=0"),
    ("num_actions a string", _set("network", "num_actions", value="6"), "num_actions='6'"),
    ("state_dict a list", _set("state_dict", value=[]), "'state_dict' entry is a list"),
    ("weight missing", _drop("state_dict", "pi.bias"), "missing \\['pi.bias'\\]"),
    ("weight unexpected", _set("state_dict", "extra.weight", value=torch.zeros(2)), "unexpected \\['extra.weight'\\]"),
    ("weight not a tensor", _set("state_dict", "pi.bias", value=[0.0] * 6), "not a tensor"),
    ("weight of another dtype", _set("state_dict", "pi.bias", value=lambda t: t.double()), "dtype"),
    ("weight of another shape", _set("state_dict", "pi.weight", value=torch.zeros(7, 16)), "shape \\(7, 16\\)"),
    ("NaN weights", _set("state_dict", "body.3.weight", value=lambda t: t.fill_(float("nan"))), "NaN or infinite"),
    ("infinite bias", _set("state_dict", "v.bias", value=lambda t: t.fill_(float("inf"))), "NaN or infinite"),
    ("weight stored as a stride-0 view", _expanded, "not stored in full"),
]


@pytest.mark.parametrize("name, change, message", BAD, ids=[case[0] for case in BAD])
def test_a_bad_checkpoint_gives_the_documented_value_error(tmp_path, name, change, message):
    payload = copy.deepcopy(_payload(tmp_path))
    change(payload)
    path = tmp_path / "bad.pt"
    torch.save(payload, path)
    start = time.perf_counter()
    with pytest.raises(ValueError, match=message) as err:
        load_agent(path)
    assert time.perf_counter() - start < 5, "refusing a bad checkpoint must not build anything big"
    if message != NOT_A_CHECKPOINT:
        assert str(err.value).startswith(MALFORMED)


def _v1_payload(tmp_path) -> dict:
    config = PPOConfig(total_steps=1024, num_envs=8, num_steps=8, hidden=16)
    policy = _policy(hidden=16)
    return {"format": FORMAT_V1, "env": "coinrun", "env_options": {"coin_placement": "end"},
            "obs_shape": [5, 10, 11], "num_actions": 6, "config": config.to_dict(), "metrics": {},
            "package_version": "0.1.0", "extra": {}, "state_dict": policy.state_dict()}


BAD_V1 = [
    ("v1 without obs_shape", _drop("obs_shape"), "no 'obs_shape'"),
    ("v1 with num_actions a float", _set("num_actions", value=6.0), "'num_actions' entry is a float"),
    ("v1 config asking for 22 GB", _set("config", "hidden", value=200_000), "hidden=200000"),
    ("v1 config with gamma=True", _set("config", "gamma", value=True), "ppo config is invalid: gamma=True"),
    ("v1 config with an unknown network", _set("config", "network", value="rnn"), "network='rnn'"),
]


@pytest.mark.parametrize("name, change, message", BAD_V1, ids=[case[0] for case in BAD_V1])
def test_a_bad_v1_checkpoint_gives_the_documented_value_error(tmp_path, name, change, message):
    payload = _v1_payload(tmp_path)
    change(payload)
    torch.save(payload, tmp_path / "bad.pt")
    with pytest.raises(ValueError, match=message):
        load_agent(tmp_path / "bad.pt")


def test_a_good_v1_payload_loads(tmp_path):
    torch.save(_v1_payload(tmp_path), tmp_path / "v1.pt")
    assert load_agent(tmp_path / "v1.pt").config.hidden == 16


@pytest.mark.parametrize("kwargs, message", [
    ({"algorithm": "PPO!"}, "algorithm='PPO!'"),
    ({"algorithm": 3}, "algorithm=3"),
    ({"config": {"fn": print}}, "not allowed in a checkpoint"),
    ({"config": {1: "a"}}, "string keys"),
    ({"config": "lr=1"}, "config must be a dict"),
    ({"env": ""}, "env=''"),
    ({"metrics": {"a": "b"}}, "metrics values must be numbers"),
])
def test_save_policy_refuses_what_could_not_be_loaded_back(tmp_path, kwargs, message):
    args = {"algorithm": "bc", "config": {}, "metrics": {}, "path": tmp_path / "x.pt", "env": "coinrun",
            "env_options": {}, **kwargs}
    with pytest.raises(ValueError, match=message):
        save_policy(_policy(), **args)
    assert not (tmp_path / "x.pt").exists()


def test_a_clone_network_round_trips_with_its_standardization_and_a_wrong_width_is_refused(tmp_path):
    """The behavioural clones' network ("clone") is rebuilt on the meta device like the others; its
    standardization buffers come back with the weights."""
    torch.manual_seed(0)
    clone = make_network("clone", (5,), 3, 8)
    clone.mean.copy_(torch.arange(5.0))
    clone.scale.fill_(2.0)
    path = save_policy(clone, "bc", {}, {}, tmp_path / "clone.pt", "mountaincar", {"inputs": "confounded"})
    obs = np.random.default_rng(0).normal(size=(7, 5)).astype(np.float32)
    loaded = load_agent(path)
    assert torch.equal(loaded.policy.mean, clone.mean) and torch.equal(loaded.policy.scale, clone.scale)
    with torch.inference_mode():
        assert torch.equal(loaded.policy(torch.from_numpy(obs))[0], clone(torch.from_numpy(obs))[0])
    payload = torch.load(path, weights_only=True)
    payload["network"]["obs_shape"] = [4]
    torch.save(payload, tmp_path / "bad.pt")
    with pytest.raises(ValueError, match="malformed checkpoint .* shape"):
        load_agent(tmp_path / "bad.pt")
