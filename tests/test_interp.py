"""goalmisgen.interp on hand-made networks whose activations are known, and on CoinRun-grid states."""

import numpy as np
import pytest
import torch
from torch import nn

from goalmisgen.agents.networks import make_network
from goalmisgen.interp import capture, edited, hidden_layers
from goalmisgen.interp.coinrun_states import COIN, coinrun_states
from goalmisgen.interp.probes import fit_probe, probe_levels, random_network_like, split_levels


class Doubler(nn.Module):
    """x (B, 2) -> hidden relu(2x) (B, 2) -> output: sum of the hidden units (B,)."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
        with torch.no_grad():
            self.body[0].weight.copy_(2 * torch.eye(2))
            self.body[0].bias.zero_()
        self.obs_shape = (2,)

    def forward(self, x):
        return self.body(x.float()).sum(dim=1)


def test_capture_returns_known_activations_and_removes_its_hooks():
    net = Doubler()
    x = np.array([[1.0, -1.0], [0.5, 2.0], [-3.0, 0.0]], dtype=np.float32)
    got = capture(net, x, "body.1", batch_size=2)
    np.testing.assert_allclose(got["body.1"], [[2, 0], [1, 4], [0, 0]])
    assert hidden_layers(net) == ["body.1"]
    assert not net.body[1]._forward_hooks


def test_capture_reads_every_hidden_layer_of_the_package_mlp():
    net = make_network("mlp", (6, 10, 11), 6, 16)
    obs = np.random.default_rng(0).integers(0, 2, (5, 6, 10, 11)).astype(np.uint8)
    got = capture(net, obs)
    assert list(got) == ["body.2", "body.4"] and got["body.4"].shape == (5, 16)
    h = torch.relu(net.body[1](torch.from_numpy(obs).float().flatten(1)))
    np.testing.assert_allclose(got["body.2"], h.detach().numpy(), rtol=1e-5)


def test_editing_adds_sets_and_undoes_itself():
    net = Doubler()
    x = torch.tensor([[1.0, 1.0]])
    assert net(x).item() == 4.0
    with edited(net, "body.1", add=[1.0, -3.0]):
        assert net(x).item() == pytest.approx(2.0)
    with edited(net, "body.1", units=[0], values=10.0):
        assert net(x).item() == pytest.approx(12.0)
    with edited(net, "body.1", add=[1.0, 1.0], units=[1], values=0.0):
        assert net(x).item() == pytest.approx(3.0)  # the set comes after the add
    assert net(x).item() == 4.0


def test_editing_refuses_what_does_not_fit():
    net = Doubler()
    with pytest.raises(ValueError, match="layer='nope'"):
        with edited(net, "nope", add=[1.0, 1.0]):
            pass
    with pytest.raises(ValueError, match="3 numbers"):
        with edited(net, "body.1", add=[1.0, 1.0, 1.0]):
            net(torch.ones(1, 2))
    with pytest.raises(ValueError, match="units"):
        with edited(net, "body.1", units=[5], values=1.0):
            net(torch.ones(1, 2))
    with pytest.raises(ValueError, match="needs add"):
        with edited(net, "body.1"):
            pass
    with pytest.raises(ValueError, match="finite vector"):
        with edited(net, "body.1", add=[float("nan"), 1.0]):
            pass
    assert not net.body[1]._forward_hooks


def test_a_probe_finds_a_linear_label_and_not_a_shuffled_one():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 5)).astype(np.float32)
    y = x[:, 2] > 0.3
    levels = np.repeat(np.arange(100), 20)
    test = split_levels(levels, 0.5, seed=1)
    assert set(levels[test]).isdisjoint(levels[~test]) and 0 < test.mean() < 1
    real = probe_levels(x, y, levels, test)
    fake = probe_levels(x, y, levels, test, shuffled=True, seed=2)
    assert real["accuracy"] > 0.97
    assert abs(fake["accuracy"] - real["majority"]) < 0.1
    assert real["level_accuracy"].shape == (50,)
    assert fit_probe(x, y).accuracy(x, y) > 0.97


def test_probe_refuses_one_class_and_bad_shapes():
    with pytest.raises(ValueError, match="two classes"):
        fit_probe(np.ones((4, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="labels of shape"):
        fit_probe(np.ones((4, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="cannot be split"):
        split_levels(np.zeros(5))


def test_random_network_like_has_the_shape_and_fresh_weights():
    net = make_network("mlp", (6, 10, 11), 6, 16)
    a, b = random_network_like(net, 0), random_network_like(net, 0)
    assert [p.shape for p in a.parameters()] == [p.shape for p in net.parameters()]
    assert torch.equal(a.body[1].weight, b.body[1].weight)
    assert not torch.equal(a.body[1].weight, net.body[1].weight)


def test_coinrun_states_label_the_coin_and_the_end():
    s = coinrun_states(n_levels=20)
    assert len(s) > 100 and (s.to_end > 0).all()
    seen = s.obs[:, COIN].reshape(len(s), -1).any(axis=1)
    np.testing.assert_array_equal(seen, s.coin_in_view)
    both = s.coin_in_view & (s.coin_dx != 0)
    assert s.coin_ahead[both].any() and not s.coin_ahead[both].all()
    assert not s.without_coin()[:, COIN].any() and s.obs[:, COIN].any()
