"""Thresholds of chapter 4's claims (auto-induced distributional shift), asserted by
``tests/test_ads_claims.py`` on fresh runs with seed 11 (the chapter runs seeds 0 and 1).

Each sits about 3 standard errors from the value measured with seed 11 (given in the comment);
failure shares use exact binomial intervals, "no difference" claims the 95% CI of the difference.
"""

# most mean final P(cooperate) of REINFORCE without PBT: "learns to defect"; measured at most 0.061 (population 100, SE 0.004)
REINFORCE_P_COOPERATE_MAX = 0.075
# most upper end of the failure share of myopic trials; measured 0 of 240 (exact interval up to 1.5%), one failure gives 2.3%
MYOPIC_FAILURE_CI_HIGH_MAX = 0.02
# most mean final P(cooperate) of Q-learning with epsilon 0.1; measured at most 0.060, floor epsilon / 2 = 0.05
Q_LEARNING_P_COOPERATE_MAX = 0.065
# least failed trials of 20 for PBT with 100 or 1000 learners, and for PBT when cooperating barely pays; measured 20 of 20 (19 with seed 1)
PBT_FAILED_TRIALS_MIN = 17
# least mean final P(cooperate) of PBT with 100 or 1000 learners; measured >= 0.927 (SE 0.019)
PBT_P_COOPERATE_MIN = 0.87
# (least, most) failure share of PBT with 10 learners: "a lottery"; measured 27 of 60 = 0.45 (SE 0.064)
LOTTERY_FAILURE_RANGE = (0.25, 0.65)
# least lower and most upper CI end of that share: some trials fail, not all
LOTTERY_FAILURE_CI_BOUNDS = (0.1, 0.9)
# most |CI end| of the final P(cooperate) difference between intervals with 1000 learners: "the interval matters little"; measured 0.0034 [0.0013, 0.0057]
INTERVAL_DIFFERENCE_MAX = 0.01
# most upper end of the failure share under context swapping; measured 0 of 180 (up to 2.0%)
SWAP_FAILURE_CI_HIGH_MAX = 0.025
# most mean final P(cooperate) of any run under context swapping; measured 0.18 (SE 0.014)
SWAP_P_COOPERATE_MAX = 0.22
# least lower CI end of PBT minus REINFORCE final P(cooperate) from identical starts; measured at least 0.220 [0.215, 0.226]
IDENTICAL_STARTS_GAIN_CI_LOW_MIN = 0.2
# REINFORCE's median learning rate keeps its draw of 0.1: its CI lies within these bounds
REINFORCE_MEDIAN_LR_BOUNDS = (0.09, 0.11)
# most upper CI end of PBT's median learning rate; measured 2.8e-6, 1.4e-4 and 3.1e-3 at intervals 1, 10 and 100
PBT_MEDIAN_LR_CI_HIGH_MAX = 0.0035
# most |CI end| of the change of P(cooperate) over PBT's second half: "the population freezes"; measured -0.023 [-0.027, -0.018]
FROZEN_CHANGE_MAX = 0.03
# least lower CI end of the share of Q-learners stuck cooperating (epsilon 0.01); measured 0.172 [0.158, 0.188]
Q_STUCK_CI_LOW_MIN = 0.14
# most upper CI end of that share under swapping; measured 0
Q_STUCK_SWAPPED_CI_HIGH_MAX = 0.005
# least lower CI end of final accuracy over the ceiling on the original users; measured 4.54 [4.33, 4.74] times
ACCURACY_OVER_CEILING_MIN = 4.0
# least lower CI end of the accuracy gain of feedback over no feedback; measured 0.797
ACCURACY_GAIN_CI_LOW_MIN = 0.75
# most upper CI end of the original users' welfare change; measured -0.247 [-0.284, -0.213]
WELFARE_DROP_CI_HIGH_MAX = -0.18
# least lower CI end of the welfare of users who stayed over that of the original users; measured +0.288 [0.263, 0.316]
STAYED_WELFARE_GAIN_CI_LOW_MIN = 0.22
# least lower CI end of the accuracy gain over the ceiling with interest drift alone; measured 0.642 [0.630, 0.652]
DRIFT_GAIN_CI_LOW_MIN = 0.6
# most upper CI end of that gain with self-selection alone; measured 0.030 [0.002, 0.065]
SELECTION_GAIN_CI_HIGH_MAX = 0.1
# most upper CI end of PBT's final drift minus plain training's: "not further"; measured -0.009 [-0.018, -0.0004]
PBT_FURTHER_DRIFT_CI_HIGH_MAX = 0.005
# least lower CI end of donor minus copy accuracy under PBT; measured 0.056 [0.041, 0.071]
COPY_MISPREDICTION_CI_LOW_MIN = 0.03
# most |CI end| of donor minus copy accuracy under swapping; measured -0.001 [-0.004, 0.002]
SWAPPED_COPY_DIFFERENCE_MAX = 0.01
# least lower CI end of final drift under swapping; measured 0.242 and 0.259 (SE about 0.007), plain training 0.272
SWAP_DRIFT_CI_LOW_MIN = 0.2
