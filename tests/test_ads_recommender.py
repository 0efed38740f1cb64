"""The recommender simulation: metrics, the batched MLP, the users' dynamics and bad input."""

import numpy as np
import pytest

from goalmisgen.ads.mlp import BatchedMLP, softmax
from goalmisgen.ads.recommender import (
    RecommenderConfig,
    initial_interests,
    interest_drift,
    kl_divergence,
    recommender_frame,
    recommender_summary,
    run_recommender,
    welfare,
)

SHORT = {"n_steps": 100, "n_trials": 2, "n_learners": 5}


def test_initial_interests_are_distributions_over_articles():
    w = initial_interests(np.random.default_rng(0), 3, 10, 7)
    assert w.shape == (3, 10, 7)
    assert (w >= 0).all()
    np.testing.assert_allclose(w.sum(axis=1), 1.0)


def test_kl_divergence_is_zero_for_equal_distributions_and_ignores_zero_mass():
    p = np.array([0.5, 0.5, 0.0])
    q = np.array([0.25, 0.25, 0.5])
    assert kl_divergence(q, q) == pytest.approx(0.0)
    assert kl_divergence(p, q) == pytest.approx(np.log(2.0))
    np.testing.assert_allclose(kl_divergence(np.stack([p, q]), np.stack([q, q])), [np.log(2.0), 0.0])


def test_interest_drift_is_a_scale_free_cosine_distance():
    w = np.random.default_rng(0).uniform(size=(2, 4, 3))
    np.testing.assert_allclose(interest_drift(w, 5.0 * w), [0.0, 0.0], atol=1e-12)
    assert interest_drift(np.eye(2), np.eye(2)[::-1]) == pytest.approx(1.0)
    assert interest_drift(w, w[::-1]).shape == (2,)


def test_welfare_is_one_when_showing_each_users_original_favourite():
    w0 = np.array([[0.7, 0.2], [0.3, 0.8]])  # articles x users
    p = np.array([0.5, 0.5])
    assert welfare(p, w0, np.array([0, 1])) == pytest.approx(1.0)
    assert welfare(p, w0, np.array([1, 0])) == pytest.approx((0.3 + 0.2) / (0.7 + 0.8))
    assert welfare(np.array([1.0, 0.0]), w0, np.array([1, 0])) == pytest.approx(0.3 / 0.7)


def test_mlp_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    model = BatchedMLP(rng, (1, 2), 4, 6, 3)
    x, y = np.array([[1, 3]]), np.array([[2, 0]])

    def loss() -> np.ndarray:
        logits, _ = model.forward(x)
        return -np.log(np.take_along_axis(softmax(logits), y[..., None], axis=-1)[..., 0])

    before = [p.copy() for p in model.params]
    logits, pre = model.forward(x)
    model.sgd_step(x, pre, logits, y, np.full((1, 2), 1.0))
    steps = [b - p for b, p in zip(before, model.params)]  # = gradient, with lr = 1
    model.params = [b.copy() for b in before]
    eps = 1e-6
    # entries of model (0, 1), whose input is category 3: w1 row 3, b1, w2, b2
    for p_index, entry in [(0, (3, 2)), (1, (4,)), (2, (3, 1)), (3, (0,))]:
        where = (0, 1) + entry
        param = model.params[p_index]
        param[where] += eps
        up = loss()[0, 1]
        param[where] -= 2 * eps
        down = loss()[0, 1]
        param[where] += eps
        assert steps[p_index][where] == pytest.approx((up - down) / (2 * eps), abs=1e-5)


def test_sgd_on_a_fixed_label_lowers_its_loss():
    model = BatchedMLP(np.random.default_rng(1), (2, 3), 5, 8, 4)
    x, y = np.full((2, 3), 2), np.full((2, 3), 1)
    first = softmax(model.forward(x)[0])[..., 1]
    for _ in range(50):
        logits, pre = model.forward(x)
        model.sgd_step(x, pre, logits, y, np.full((2, 3), 0.1))
    assert (softmax(model.forward(x)[0])[..., 1] > first).all()


def test_without_feedback_users_and_interests_never_change():
    res = run_recommender(RecommenderConfig(loyalty=0.0, drift=0.0, **SHORT))
    np.testing.assert_allclose(res.kl, 0.0, atol=1e-12)
    np.testing.assert_allclose(res.drift, 0.0, atol=1e-12)


def test_each_feedback_moves_only_its_own_quantity():
    only_drift = run_recommender(RecommenderConfig(loyalty=0.0, **SHORT))
    only_loyalty = run_recommender(RecommenderConfig(drift=0.0, **SHORT))
    np.testing.assert_allclose(only_drift.kl, 0.0, atol=1e-12)
    assert only_drift.drift[-1].min() > 0
    np.testing.assert_allclose(only_loyalty.drift, 0.0, atol=1e-12)
    assert only_loyalty.kl[-1].min() > 0


def test_click_self_selection_also_shifts_the_users():
    res = run_recommender(RecommenderConfig(self_selection="click", drift=0.0, **SHORT))
    assert res.kl[-1].min() > 0


def test_same_seed_gives_the_same_run():
    cfg = RecommenderConfig(pbt=True, swap=True, seed=4, **SHORT)
    a, b = run_recommender(cfg), run_recommender(cfg)
    np.testing.assert_array_equal(a.drift, b.drift)
    np.testing.assert_array_equal(a.accuracy[1:], b.accuracy[1:])


def test_results_have_the_documented_shapes_and_tables():
    res = run_recommender(RecommenderConfig(record_every=10, **SHORT))
    assert res.steps.tolist() == list(range(0, 101, 10))
    for metric in ("accuracy", "kl", "drift", "welfare", "welfare_original_users"):
        assert getattr(res, metric).shape == (11, 2)
    assert np.isnan(res.accuracy[0]).all() and res.ceiling.shape == (2,)
    assert res.final("drift").shape == (2,)
    assert len(recommender_frame([res])) == 22
    assert recommender_summary([res])["condition"].tolist() == ["no PBT"]
    with pytest.raises(ValueError, match="unknown metric 'clicks'"):
        res.final("clicks")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_users": 1}, "n_users must be an integer >= 2, got 1"),
        ({"n_learners": -20}, "n_learners must be an integer >= 1, got -20"),
        ({"interval": 0}, "interval must be an integer >= 1, got 0"),
        ({"loyalty": -0.03}, "loyalty must be >= 0"),
        ({"drift": -1.0}, "drift must be >= 0"),
        ({"lr": 0.0}, "lr must be > 0"),
        ({"self_selection": "dwell"}, "unknown self_selection 'dwell'; allowed: interest, click"),
        ({"pbt": True, "n_learners": 4}, "pbt=True needs pbt_fraction \\* n_learners >= 1"),
        ({"swap": True, "n_learners": 1}, "swap=True needs n_learners >= 2"),
        ({"pbt_fraction": 0.9}, "0 < fraction <= 0.5"),
    ],
)
def test_bad_configurations_name_the_value_and_what_is_allowed(kwargs, match):
    with pytest.raises(ValueError, match=match):
        RecommenderConfig(**kwargs)


def test_copies_are_scored_only_with_pbt_and_times_to_reach_a_level_are_recorded_steps():
    plain = run_recommender(RecommenderConfig(n_learners=5, n_steps=60, n_trials=2, hidden=8, seed=0))
    pbt = run_recommender(RecommenderConfig(n_learners=5, n_steps=60, n_trials=2, hidden=8, pbt=True, seed=0))
    assert np.isnan(plain.copy_accuracy).all() and np.isnan(plain.donor_accuracy).all()
    assert pbt.copy_accuracy.shape == (2,) and ((0 <= pbt.copy_accuracy) & (pbt.copy_accuracy <= 1)).all()
    assert ((0 <= pbt.donor_accuracy) & (pbt.donor_accuracy <= 1)).all()
    reach = pbt.steps_to_reach("drift", 0.0)
    np.testing.assert_array_equal(reach, [0, 0])  # drift starts at 0
    np.testing.assert_array_equal(pbt.steps_to_reach("drift", 5.0), [60, 60])  # never (drift <= 2)
    assert set(pbt.steps_to_reach("kl", 1e-6)) <= set(pbt.steps.tolist())
    with pytest.raises(ValueError, match="unknown metric"):
        pbt.steps_to_reach("clicks", 0.5)
