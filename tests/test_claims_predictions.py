"""Every chapter's claims thresholds live in one structure, ``PREDICTIONS``, of its claims module:
each with a direction that matches its name, a date, and whether it was set before its data
(a prediction) or after (a regression pin)."""

import datetime
import importlib

import pytest

from goalmisgen.claims import DIRECTIONS, PREDICTION, REGRESSION_PIN, Prediction

MODULES = ("first_look", "rewards_vs_goals", "causal_vs_spurious", "capability_vs_goal", "auto_induced_shift",
           "real_coinrun", "mitigations", "inside", "language_model")


@pytest.mark.parametrize("name", MODULES)
def test_claims_module_exports_exactly_its_predictions(name):
    module = importlib.import_module(f"goalmisgen.claims.{name}")
    assert isinstance(module.PREDICTIONS, dict) and module.PREDICTIONS
    constants = {k for k in vars(module) if k.isupper() and not k.startswith("_")} - {"PREDICTIONS", "PREDICTION", "REGRESSION_PIN"}
    assert constants == set(module.PREDICTIONS)
    for key, p in module.PREDICTIONS.items():
        assert isinstance(p, Prediction) and getattr(module, key) is p.value, key


@pytest.mark.parametrize("name", MODULES)
def test_each_prediction_states_direction_date_and_kind(name):
    module = importlib.import_module(f"goalmisgen.claims.{name}")
    for key, p in module.PREDICTIONS.items():
        assert p.direction in DIRECTIONS and p.kind in (PREDICTION, REGRESSION_PIN) and p.quantity, key
        assert datetime.date.fromisoformat(p.set_on) <= datetime.date(2026, 12, 31), key
        if key.endswith("_MIN"):
            assert p.direction == "at least", key
        elif key.endswith("_MAX"):
            assert p.direction == "at most", key
        elif key.endswith(("_RANGE", "_BOUNDS")):
            assert p.direction == "within", key


def test_predictions_refuse_a_direction_or_kind_they_do_not_know():
    with pytest.raises(ValueError, match="direction"):
        Prediction(1, "roughly", "x", "2026-12-06", PREDICTION)
    with pytest.raises(ValueError, match="kind"):
        Prediction(1, "at least", "x", "2026-12-06", "guess")
    with pytest.raises(ValueError, match="within"):
        Prediction((2, 1), "within", "x", "2026-12-06", PREDICTION)
