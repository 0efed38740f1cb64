"""The thresholds each chapter's claims are tested against, one module per chapter, named after the
chapter's notebook (``first_look``: 00, ``rewards_vs_goals``: 01, ``causal_vs_spurious``: 02,
``capability_vs_goal``: 03, ``auto_induced_shift``: 04, ``real_coinrun``: 05, ``mitigations``: 06, ``inside``: 07, ``language_model``: 08).

Each module holds one structure, ``PREDICTIONS``: a :class:`Prediction` per measured quantity that
the chapter's prose states and that its claims test (``tests/test_claims_*.py``, listed in
``book/contributing_exercises.md``) asserts, with its direction, its value, when it was set and
whether it was set before or after the data that test it. The module also exports each value under
its name (``first_look.END_MINUS_COIN_CI_LOW_MIN``), which is what the tests import.

A **prediction** was committed before the run that tests it: a failure is a finding. A
**regression pin** was set after its data had been seen (usually "about three standard errors
beyond the worst value measured"): it guards against a changed agent or analysis, but its passing
is no evidence for the claim. A pin becomes a prediction for data made after it was set (new seeds,
a fresh run), which is how ``first_look``'s per-agent thresholds are used for the seeds added on
2026-12-06. Where the record does not show that a value was set before its data, it is labelled a
regression pin; thresholds checked on runs a test trains afresh (``FRESH_*``) are predictions.
"""

from __future__ import annotations

from dataclasses import dataclass

PREDICTION = "prediction"
REGRESSION_PIN = "regression pin"
DIRECTIONS = ("at least", "at most", "within", "equals")


@dataclass(frozen=True)
class Prediction:
    """One threshold of a chapter's claims.

    Attributes:
        value: the bound: a number (``at least``, ``at most``, ``equals``) or a (least, most) pair
            (``within``), or a dict of such numbers for a group of thresholds read together.
        direction: how the measured quantity must relate to ``value``: "at least", "at most",
            "within" or "equals" (a fixed setting such as a rate that counts as sufficient).
        quantity: what is measured, in the chapter's words.
        set_on: the date the value was set (YYYY-MM-DD). Thresholds that moved here from the tests
            on 2026-12-06 carry the measurement date their module names, or 2026-12-06 where it
            names none (the value may be older).
        kind: ``PREDICTION`` (set before the data that test it) or ``REGRESSION_PIN`` (set after).
        measured: what was measured when it was set (empty for a prediction made before any data).
    """

    value: object
    direction: str
    quantity: str
    set_on: str
    kind: str
    measured: str = ""

    def __post_init__(self):
        if self.direction not in DIRECTIONS:
            raise ValueError(f"direction={self.direction!r} is not allowed: direction must be one of {DIRECTIONS}")
        if self.kind not in (PREDICTION, REGRESSION_PIN):
            raise ValueError(f"kind={self.kind!r} is not allowed: kind must be {PREDICTION!r} or {REGRESSION_PIN!r}")
        if self.direction == "within" and not (isinstance(self.value, tuple) and len(self.value) == 2
                                               and self.value[0] <= self.value[1]):
            raise ValueError(f"value={self.value!r} is not allowed with direction 'within': a (least, most) pair")


def values(predictions: dict[str, Prediction]) -> dict[str, object]:
    """``{name: prediction.value}``: what a claims module exports under each name."""
    return {name: p.value for name, p in predictions.items()}
