"""Thresholds and predictions of chapter 7's claims (looking inside the CoinRun-grid agents),
asserted by ``tests/test_claims_inside.py``.

Written before the runs that test them (data/inside). What had been seen before: one smoke run on
100 levels from seed 2**31 + 900000 (not the levels of data/inside), headline seed 0 only: its
coin vector at the second hidden layer had norm 0.25 against a mean activation norm of 17, and
adding it 1 or 3 times left the coin rate on its good levels near 0.05. No probe had been fitted.

Probes: linear (ridge) classifiers on the states ``GoRightAgent`` visits on 600 held-out levels with the
coin moved, half the levels for fitting and half for scoring; per network and layer.
"""

LAYERS = ("body.2", "body.4")
"""The hidden layers probed and steered (after each ReLU of the MLP)."""
PROBE_LEVELS = 600
STEER_LAYER = "body.4"
STEER_COEFFICIENTS = (1.0, 3.0, 10.0, 30.0)
"""Multiples of each agent's own coin vector added at every step. 3 was added after the first run
(which had 1, 10 and 30) showed no effect at 1 and broken navigation at 10 and 30 in the controls;
the levels with the coin at the end are now played at every multiple, not only the largest."""
STEER_GOOD_LEVELS = 150
"""Most good-and-passed moved-coin levels per agent (the first of data/coinrun_headline's) played per condition."""
STEER_END_LEVELS = 200
"""Levels with the coin at the end (goals coincide) played per condition."""
RANDOM_DIRECTIONS = 3
"""Random directions of the largest steering's norm per agent."""

# --- sanity of the probe method
# most |shuffled-label accuracy - majority share| for any network, layer and label
SHUFFLED_NEAR_MAJORITY_MAX = 0.06
# least accuracy of the probe on the observation itself (layer "input") for the coin in view and the coin ahead
INPUT_COIN_PROBE_MIN = 0.95

# --- predictions (written before the runs)
# the positive controls (coin at random in training) keep where the coin is: least mean accuracy of
# their last-hidden-layer probes for "coin in view" and "coin ahead"
CONTROL_COIN_PROBE_MIN = 0.9
# the headline agents respond less to the coin: most ratio of their mean coin-vector norm (relative
# to the mean activation norm) to the controls' at the last hidden layer
HEADLINE_TO_CONTROL_COIN_RESPONSE_MAX = 0.5
# adding the coin vector does not make the headline agents seek the coin: most rise of their mean
# coin rate on good levels with the moved coin, at any coefficient
STEER_COIN_RISE_MAX = 0.10
# least fall of the controls' mean coin rate on their good levels when 30 times their coin vector is subtracted
CONTROL_SUBTRACT_FALL_MIN = 0.2

# --- claims written after the first run of data/inside (its measured values quoted), in the prose's words
# "the headline agents keep the coin no better than a random-weights network": most mean accuracy of
# the headline agents' last-hidden-layer coin probes above the random networks'; measured coin in view
# 0.680 vs 0.692, coin ahead 0.830 vs 0.825
HEADLINE_OVER_RANDOM_MAX = 0.03
# "no network reads the end better than the observation itself": most excess of any group's mean
# last-hidden-layer "end far" accuracy over the observation's; measured 0.863 input, 0.851-0.863 networks
END_OVER_INPUT_MAX = 0.02
# "random directions of the same norm left the headline agents' coin rate where it was": most |change|;
# measured 0.061 -> 0.079
RANDOM_DIRECTION_CHANGE_MAX = 0.05
# "where the coin rate rose by more than the prediction allowed, navigation broke": least fall of the
# coin rate where the coin is at the end, or of the share reaching the end on the moved-coin levels;
# measured at 30 times: 0.974 -> 0.531 and 0.911 -> 0.369
BROKEN_NAVIGATION_FALL_MIN = 0.2
# "subtracted, the controls' vector sent them to the end instead": least share reaching the end on their
# moved-coin levels at 10 and 30 times, most for random directions; measured 0.664, 0.662 and 0.006
CONTROL_SUBTRACT_END_MIN = 0.5
CONTROL_RANDOM_END_MAX = 0.1
