"""The MLP's first layer skips the zeros of a one-hot view (``OneHotLinear``): the same function
and the same gradients as the dense layer, the same parameter names and shapes, so every shipped
MLP agent loads and gives the logits it gave before."""

import glob

import numpy as np
import pytest
import torch
from torch import nn

from goalmisgen.agents import load_agent
from goalmisgen.agents.networks import MLPPolicy, OneHotLinear
from goalmisgen.envs.spec import game
from goalmisgen.paths import data_dir


def _views(env: str, n: int = 64, **options) -> np.ndarray:
    envs = game(env).vec_env(num_envs=n, **options)
    obs, _ = envs.reset(seed=5)
    rng = np.random.default_rng(5)
    for _ in range(7):
        obs, *_ = envs.step(rng.integers(0, envs.single_action_space.n, size=n))
    return np.ascontiguousarray(obs)


def _dense_twin(layer: OneHotLinear) -> nn.Linear:
    twin = nn.Linear(layer.in_features, layer.out_features)
    twin.load_state_dict(layer.state_dict())
    return twin


@pytest.mark.parametrize("dtype", [torch.uint8, torch.bool, torch.int64])
def test_forward_and_backward_match_the_dense_layer(dtype):
    torch.manual_seed(0)
    x = torch.from_numpy(_views("coinrun")).reshape(64, -1)
    x[3] = 0  # a row with no ones
    if dtype == torch.int64:
        x = x.long() * 2  # counts other than 0 and 1 are multiplied as a dense layer would
    x = x.to(dtype)
    layer, grad = OneHotLinear(x.shape[1], 32), torch.randn(64, 32)
    twin = _dense_twin(layer)
    out, ref = layer(x), twin(x.float())
    torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-5)
    out.backward(grad)
    ref.backward(grad)
    torch.testing.assert_close(layer.weight.grad, twin.weight.grad, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(layer.bias.grad, twin.bias.grad, rtol=1e-5, atol=1e-5)


def test_a_float_input_takes_the_dense_path_and_gets_its_gradient():
    layer = OneHotLinear(10, 4)
    x = torch.rand(3, 10, requires_grad=True)
    layer(x).sum().backward()
    torch.testing.assert_close(x.grad, layer.weight.sum(0).expand(3, 10))


def test_the_parameter_layout_is_the_dense_mlps():
    policy = MLPPolicy((6, 10, 11), 7)
    assert {k: tuple(v.shape) for k, v in policy.state_dict().items()} == {
        "body.1.weight": (128, 660), "body.1.bias": (128,), "body.3.weight": (128, 128), "body.3.bias": (128,),
        "pi.weight": (7, 128), "pi.bias": (7,), "v.weight": (1, 128), "v.bias": (1,)}


SHIPPED_MLP = sorted(p for p in glob.glob(str(data_dir() / "**" / "*.pt"), recursive=True) if "procgen" not in p and "language_model" not in p)


def test_every_shipped_mlp_agent_gives_the_logits_of_the_dense_network():
    assert len(SHIPPED_MLP) >= 60
    checked = 0
    for path in SHIPPED_MLP:
        agent = load_agent(path)
        if agent.policy.name != "mlp":
            continue
        obs = _views(agent.env, 32, **agent.env_options)
        with torch.inference_mode():
            logits, value = agent.policy(torch.from_numpy(obs))
            dense_logits, dense_value = agent.policy(torch.from_numpy(obs).float())  # float: the dense layer
        torch.testing.assert_close(logits, dense_logits, rtol=1e-5, atol=1e-5, msg=path)
        torch.testing.assert_close(value, dense_value, rtol=1e-5, atol=1e-5, msg=path)
        assert np.array_equal(agent.act(obs, deterministic=True), dense_logits.argmax(1).numpy()), path
        checked += 1
    assert checked >= 60
