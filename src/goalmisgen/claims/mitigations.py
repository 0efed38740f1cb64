"""Thresholds of chapter 6's claims (level curricula against domain randomization), asserted by
``tests/test_claims_mitigations.py``; the sufficient-fraction rule is chapter 2's
(``causal_vs_spurious.SUFFICIENT_COIN_RATE``).

Measured values: data/curriculum_sweep (5 seeds x 3M steps per sampler and alpha, 1000 held-out
levels, coin rate on good levels over the runs that learned; 2026-11-28).
"""

# most coin rate of either sampler with no distinguishing level (alpha = 0); measured DR 0.052, PLR 0.034
NO_ALPHA_COIN_MAX = 0.08
# most |PLR - DR| coin rate at alpha = 0; measured -0.018 [-0.043, 0.006]
NO_ALPHA_DIFFERENCE_MAX = 0.05
# most PLR - DR coin rate at any alpha: PLR "raised the coin rate at no alpha"; measured at most -0.008
PLR_MINUS_DR_COIN_MAX = 0.05
# the smallest alpha at which domain randomization reaches the sufficient coin rate: "at one percent"
DR_SUFFICIENT_FRACTION = 0.01
# (least, most) PLR coin rate at alpha = 1%; measured 0.567
PLR_COIN_AT_ONE_PERCENT_RANGE = (0.40, 0.70)
# (least, most) DR coin rate at alpha = 1%; measured 0.620
DR_COIN_AT_ONE_PERCENT_RANGE = (0.50, 0.75)
# least lower t-interval end of PLR's second-half share / alpha from 0.05% on: "many times more often"; measured 13-23
PLR_FACTOR_CI_LOW_MIN = 10
# (least, most) mean of PLR's second-half share / alpha from 0.05% on; measured 17-42
PLR_FACTOR_RANGE = (12, 55)
# least second-half share / alpha of a fresh 200k-step PLR run at alpha = 1%; measured 4.4, 10.5 and 11.2 (seeds 20-22)
FRESH_PLR_FACTOR_MIN = 3
# (least, most) PLR's second-half share of distinguishing levels at alpha = 0.1%; measured 0.030
PLR_SHARE_AT_TENTH_PERCENT_RANGE = (0.02, 0.04)
# chapter 2's fraction nearest that share: "about as often as chapter 2's domain randomization at 2%"
CHAPTER2_NEAREST_FRACTION = 0.02
# least margin of chapter 2's DR coin rate at 2% over PLR's at alpha = 0.1%; measured 0.683 vs 0.066
PLR_BELOW_CHAPTER2_COIN_MIN = 0.4
