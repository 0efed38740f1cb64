"""Thresholds of chapter 6's claims (level curricula against domain randomization), asserted by
``tests/test_claims_mitigations.py``; the sufficient-fraction rule is chapter 2's
(``causal_vs_spurious.SUFFICIENT_COIN_RATE``).

Measured values: data/curriculum_sweep (5 seeds x 3M steps per sampler and alpha, 1000 held-out
levels, coin rate on good levels over the runs that learned; 2026-11-28).
"""

from goalmisgen.claims import PREDICTION, REGRESSION_PIN, Prediction, values

PREDICTIONS = {
    "NO_ALPHA_COIN_MAX": Prediction(0.08, "at most", "most coin rate of either sampler with no distinguishing level (alpha = 0)", "2026-11-28", REGRESSION_PIN, "DR 0.052, PLR 0.034"),
    "NO_ALPHA_DIFFERENCE_MAX": Prediction(0.05, "at most", "most |PLR - DR| coin rate at alpha = 0", "2026-11-28", REGRESSION_PIN, "-0.018 [-0.043, 0.006]"),
    "PLR_MINUS_DR_COIN_MAX": Prediction(0.05, "at most", "most PLR - DR coin rate at any alpha: PLR \"raised the coin rate at no alpha\"", "2026-11-28", REGRESSION_PIN, "at most -0.008"),
    "DR_SUFFICIENT_FRACTION": Prediction(0.01, "equals", "the smallest alpha at which domain randomization reaches the sufficient coin rate: \"at one percent\"", "2026-11-28", REGRESSION_PIN),
    "PLR_COIN_AT_ONE_PERCENT_RANGE": Prediction((0.40, 0.70), "within", "(least, most) PLR coin rate at alpha = 1%", "2026-11-28", REGRESSION_PIN, "0.567"),
    "DR_COIN_AT_ONE_PERCENT_RANGE": Prediction((0.50, 0.75), "within", "(least, most) DR coin rate at alpha = 1%", "2026-11-28", REGRESSION_PIN, "0.620"),
    "PLR_FACTOR_CI_LOW_MIN": Prediction(10, "at least", "least lower t-interval end of PLR's second-half share / alpha from 0.05% on: \"many times more often\"", "2026-11-28", REGRESSION_PIN, "13-23"),
    "PLR_FACTOR_RANGE": Prediction((12, 55), "within", "(least, most) mean of PLR's second-half share / alpha from 0.05% on", "2026-11-28", REGRESSION_PIN, "17-42"),
    "FRESH_PLR_FACTOR_MIN": Prediction(3, "at least", "least second-half share / alpha of a fresh 200k-step PLR run at alpha = 1%", "2026-11-28", PREDICTION, "4.4, 10.5 and 11.2 (seeds 20-22)"),
    "PLR_SHARE_AT_TENTH_PERCENT_RANGE": Prediction((0.02, 0.04), "within", "(least, most) PLR's second-half share of distinguishing levels at alpha = 0.1%", "2026-11-28", REGRESSION_PIN, "0.030"),
    "CHAPTER2_NEAREST_FRACTION": Prediction(0.02, "equals", "chapter 2's fraction nearest that share: \"about as often as chapter 2's domain randomization at 2%\"", "2026-11-28", REGRESSION_PIN),
    "PLR_BELOW_CHAPTER2_COIN_MIN": Prediction(0.4, "at least", "least margin of chapter 2's DR coin rate at 2% over PLR's at alpha = 0.1%", "2026-11-28", REGRESSION_PIN, "0.683 vs 0.066"),
}

globals().update(values(PREDICTIONS))
__all__ = ["PREDICTIONS", *PREDICTIONS]
