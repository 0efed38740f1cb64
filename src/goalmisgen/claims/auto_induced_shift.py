"""Thresholds of chapter 4's claims (auto-induced distributional shift), asserted by
``tests/test_ads_claims.py`` on fresh runs with seed 11 (the chapter runs seeds 0 and 1).

Each sits about 3 standard errors from the value measured with seed 11 (given in the comment);
failure shares use exact binomial intervals, "no difference" claims the 95% CI of the difference.
"""

from goalmisgen.claims import REGRESSION_PIN, Prediction, values

PREDICTIONS = {
    "REINFORCE_P_COOPERATE_MAX": Prediction(0.075, "at most", "most mean final P(cooperate) of REINFORCE without PBT: \"learns to defect\"", "2026-11-27", REGRESSION_PIN, "at most 0.061 (population 100, SE 0.004)"),
    "MYOPIC_FAILURE_CI_HIGH_MAX": Prediction(0.02, "at most", "most upper end of the failure share of myopic trials", "2026-11-27", REGRESSION_PIN, "0 of 240 (exact interval up to 1.5%), one failure gives 2.3%"),
    "Q_LEARNING_P_COOPERATE_MAX": Prediction(0.065, "at most", "most mean final P(cooperate) of Q-learning with epsilon 0.1", "2026-11-27", REGRESSION_PIN, "at most 0.060, floor epsilon / 2 = 0.05"),
    "PBT_FAILED_TRIALS_MIN": Prediction(17, "at least", "least failed trials of 20 for PBT with 100 or 1000 learners, and for PBT when cooperating barely pays", "2026-11-27", REGRESSION_PIN, "20 of 20 (19 with seed 1)"),
    "PBT_P_COOPERATE_MIN": Prediction(0.87, "at least", "least mean final P(cooperate) of PBT with 100 or 1000 learners", "2026-11-27", REGRESSION_PIN, ">= 0.927 (SE 0.019)"),
    "LOTTERY_FAILURE_RANGE": Prediction((0.25, 0.65), "within", "(least, most) failure share of PBT with 10 learners: \"a lottery\"", "2026-11-27", REGRESSION_PIN, "27 of 60 = 0.45 (SE 0.064)"),
    "LOTTERY_FAILURE_CI_BOUNDS": Prediction((0.1, 0.9), "within", "least lower and most upper CI end of that share: some trials fail, not all", "2026-11-27", REGRESSION_PIN),
    "INTERVAL_DIFFERENCE_MAX": Prediction(0.01, "at most", "most |CI end| of the final P(cooperate) difference between intervals with 1000 learners: \"the interval matters little\"", "2026-11-27", REGRESSION_PIN, "0.0034 [0.0013, 0.0057]"),
    "SWAP_FAILURE_CI_HIGH_MAX": Prediction(0.025, "at most", "most upper end of the failure share under context swapping", "2026-11-27", REGRESSION_PIN, "0 of 180 (up to 2.0%)"),
    "SWAP_P_COOPERATE_MAX": Prediction(0.22, "at most", "most mean final P(cooperate) of any run under context swapping", "2026-11-27", REGRESSION_PIN, "0.18 (SE 0.014)"),
    "IDENTICAL_STARTS_GAIN_CI_LOW_MIN": Prediction(0.2, "at least", "least lower CI end of PBT minus REINFORCE final P(cooperate) from identical starts", "2026-11-27", REGRESSION_PIN, "at least 0.220 [0.215, 0.226]"),
    "REINFORCE_MEDIAN_LR_BOUNDS": Prediction((0.09, 0.11), "within", "REINFORCE's median learning rate keeps its draw of 0.1: its CI lies within these bounds", "2026-11-27", REGRESSION_PIN),
    "PBT_MEDIAN_LR_CI_HIGH_MAX": Prediction(0.0035, "at most", "most upper CI end of PBT's median learning rate", "2026-11-27", REGRESSION_PIN, "2.8e-6, 1.4e-4 and 3.1e-3 at intervals 1, 10 and 100"),
    "FROZEN_CHANGE_MAX": Prediction(0.03, "at most", "most |CI end| of the change of P(cooperate) over PBT's second half: \"the population freezes\"", "2026-11-27", REGRESSION_PIN, "-0.023 [-0.027, -0.018]"),
    "Q_STUCK_CI_LOW_MIN": Prediction(0.14, "at least", "least lower CI end of the share of Q-learners stuck cooperating (epsilon 0.01)", "2026-11-27", REGRESSION_PIN, "0.172 [0.158, 0.188]"),
    "Q_STUCK_SWAPPED_CI_HIGH_MAX": Prediction(0.005, "at most", "most upper CI end of that share under swapping", "2026-11-27", REGRESSION_PIN, "0"),
    "ACCURACY_OVER_CEILING_MIN": Prediction(4.0, "at least", "least lower CI end of final accuracy over the ceiling on the original users", "2026-11-27", REGRESSION_PIN, "4.54 [4.33, 4.74] times"),
    "ACCURACY_GAIN_CI_LOW_MIN": Prediction(0.75, "at least", "least lower CI end of the accuracy gain of feedback over no feedback", "2026-11-27", REGRESSION_PIN, "0.797"),
    "WELFARE_DROP_CI_HIGH_MAX": Prediction(-0.18, "at most", "most upper CI end of the original users' welfare change", "2026-11-27", REGRESSION_PIN, "-0.247 [-0.284, -0.213]"),
    "STAYED_WELFARE_GAIN_CI_LOW_MIN": Prediction(0.22, "at least", "least lower CI end of the welfare of users who stayed over that of the original users", "2026-11-27", REGRESSION_PIN, "+0.288 [0.263, 0.316]"),
    "DRIFT_GAIN_CI_LOW_MIN": Prediction(0.6, "at least", "least lower CI end of the accuracy gain over the ceiling with interest drift alone", "2026-11-27", REGRESSION_PIN, "0.642 [0.630, 0.652]"),
    "SELECTION_GAIN_CI_HIGH_MAX": Prediction(0.1, "at most", "most upper CI end of that gain with self-selection alone", "2026-11-27", REGRESSION_PIN, "0.030 [0.002, 0.065]"),
    "PBT_FURTHER_DRIFT_CI_HIGH_MAX": Prediction(0.005, "at most", "most upper CI end of PBT's final drift minus plain training's: \"not further\"", "2026-11-27", REGRESSION_PIN, "-0.009 [-0.018, -0.0004]"),
    "COPY_MISPREDICTION_CI_LOW_MIN": Prediction(0.03, "at least", "least lower CI end of donor minus copy accuracy under PBT", "2026-11-27", REGRESSION_PIN, "0.056 [0.041, 0.071]"),
    "SWAPPED_COPY_DIFFERENCE_MAX": Prediction(0.01, "at most", "most |CI end| of donor minus copy accuracy under swapping", "2026-11-27", REGRESSION_PIN, "-0.001 [-0.004, 0.002]"),
    "SWAP_DRIFT_CI_LOW_MIN": Prediction(0.2, "at least", "least lower CI end of final drift under swapping", "2026-11-27", REGRESSION_PIN, "0.242 and 0.259 (SE about 0.007), plain training 0.272"),
}

globals().update(values(PREDICTIONS))
__all__ = ["PREDICTIONS", *PREDICTIONS]
