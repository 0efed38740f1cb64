"""Checkers for the exercises of chapter 7 (looking inside the CoinRun-grid agents).

* ``ex-inside-predict``: ``predicted_probe()`` -> {"headline": share, "control": share}, predicted
  before any probe is shown: the held-out accuracy of a linear probe for "is the coin ahead or
  behind?" at the last hidden layer of headline agent 0 and of positive control 0.
  ``check_probe_prediction`` fits both probes (``measured_probe``) and records how far off it was.
* ``ex-inside-vector``: ``matched_difference(with_coin, without_coin)`` -> the coin vector from the
  activations of matched observations, ``(N, D), (N, D) -> (D,)``; reference:
  ``reference_matched_difference``. The chapter's one transcription exercise.
* ``ex-inside-control``: ``random_control(vector, seed)`` -> the control of a steering claim: a
  direction with no relation to the coin, of the same norm, reproducible; checked by
  ``check_random_control`` against what a control must satisfy.
* ``ex-inside-layers``: a quiz, ``layers_questions()``: a probe that succeeds at one layer and fails
  at the next, and what a probe's success does and does not show.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from goalmisgen.exercises._check import CheckFailed, Recorded, call, checker, share_answer
from goalmisgen.exercises.quiz import Choice, Question

PREDICT_LEVELS = 200
"""Levels of the checker's fresh probe states (half to fit, half to score)."""
PREDICT_LAYER = "body.4"


# ---------------------------------------------------------------- ex-inside-predict

@functools.lru_cache(maxsize=2)
def measured_probe(n_levels: int = PREDICT_LEVELS) -> dict[str, float]:
    """Held-out accuracy of the "coin ahead" probe at the last hidden layer of headline agent 0
    and positive control 0 (data/coinrun_headline), and the share of the commonest class, on fresh
    states of ``n_levels`` levels (cached)."""
    from goalmisgen.agents import load_agent
    from goalmisgen.interp.coinrun_probes import labels, layer_features
    from goalmisgen.interp.coinrun_states import coinrun_states
    from goalmisgen.interp.probes import probe_levels, split_levels
    from goalmisgen.paths import data_dir

    states = coinrun_states(n_levels)
    mask, y = labels(states)["coin_ahead"]
    test = split_levels(states.level, 0.5, seed=0)
    out = {}
    for name in ("headline", "control"):
        agent = load_agent(data_dir() / "coinrun_headline" / f"{name}_seed0.pt")
        x = layer_features(agent.policy, states, [PREDICT_LAYER])[PREDICT_LAYER]
        r = probe_levels(x[mask], y[mask], states.level[mask], test[mask])
        out[name], out["majority"] = r["accuracy"], r["majority"]
    return out


def _check_probe_prediction(predicted_probe: Callable) -> None:
    answer = call(predicted_probe)
    if not isinstance(answer, dict) or set(answer) != {"headline", "control"}:
        raise CheckFailed(f"predicted_probe() should return a dict with keys 'headline' and 'control', got {answer!r}.")
    guess = {k: share_answer(answer[k], f"the predicted accuracy for {k}", "held-out states") for k in answer}
    got = measured_probe()
    report = (f"You predicted {guess['headline']:.2f} (headline) and {guess['control']:.2f} (control); the probes "
              f"reached {got['headline']:.2f} and {got['control']:.2f}, where always guessing the commoner side gives "
              f"{got['majority']:.2f}.")
    if abs(guess["headline"] - got["headline"]) > 0.1 or abs(guess["control"] - got["control"]) > 0.1:
        raise Recorded(report + " At least one is off by more than 0.1: what did you assume the network keeps about "
                       "the coin, and what does a linear read-out of 128 units need?")
    raise Recorded(report + " Both within 0.1.")


@checker("ex-inside-predict")
def check_probe_prediction(predicted_probe: Callable) -> None:
    """Check ``predicted_probe()`` -> {"headline": share, "control": share}: refused only for the wrong
    form; otherwise fits the two probes and records the prediction beside them."""
    _check_probe_prediction(predicted_probe)


# ---------------------------------------------------------------- ex-inside-vector

def reference_matched_difference(with_coin, without_coin) -> np.ndarray:
    """(D,) mean over the N pairs of ``with_coin - without_coin`` (both (N, D))."""
    a, b = np.asarray(with_coin, dtype=np.float64), np.asarray(without_coin, dtype=np.float64)
    if a.ndim != 2 or a.shape != b.shape or len(a) == 0:
        raise ValueError(f"with_coin {a.shape} and without_coin {b.shape} must be the same (N, D), N >= 1")
    return (a - b).mean(axis=0)


@checker("ex-inside-vector")
def check_matched_difference(matched_difference: Callable) -> None:
    """Check ``matched_difference(with_coin, without_coin)`` -> (D,) against the reference."""
    rng = np.random.default_rng(7)
    a, b = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    got = np.asarray(call(matched_difference, a.copy(), b.copy()), dtype=float)
    want = reference_matched_difference(a, b)
    if got.shape != want.shape:
        hint = " You averaged over the units instead of over the observations (axis 0)." if got.shape == (5,) else ""
        raise CheckFailed(f"for (5, 3) activations expected a (3,) vector, got shape {got.shape}.{hint}")
    if np.allclose(got, -want):
        raise CheckFailed("your vector points the wrong way: it is activations WITH the coin minus WITHOUT it.")
    if not np.allclose(got, want):
        raise CheckFailed(f"for a small example expected {np.round(want, 3)}, got {np.round(got, 3)}. Hint: subtract "
                          "pair by pair, then average over the N observations.")
    one = np.asarray(call(matched_difference, a[:1], b[:1]), dtype=float)
    if not np.allclose(one, a[0] - b[0]):
        raise CheckFailed("with a single pair the vector is that pair's difference; yours is not.")
    try:
        matched_difference(a, b[:4])
    except ValueError:
        pass
    except Exception as error:
        raise CheckFailed(f"unmatched inputs (5 and 4 rows) should raise ValueError, got {type(error).__name__}.") from None
    else:
        raise CheckFailed("unmatched inputs (5 and 4 rows) should raise ValueError: the pairs are the point.")


# ---------------------------------------------------------------- ex-inside-control

@checker("ex-inside-control")
def check_random_control(random_control: Callable) -> None:
    """Check ``random_control(vector, seed)`` -> (D,): the same norm as ``vector``, reproducible for a
    seed, different across seeds, and not aligned with ``vector``."""
    v = np.zeros(128)
    v[:4] = [3.0, -1.0, 0.5, 2.0]
    got = [np.asarray(call(random_control, v.copy(), s), dtype=float) for s in (0, 0, 1)]
    if got[0].shape != v.shape:
        raise CheckFailed(f"for a (128,) vector expected a (128,) direction, got shape {got[0].shape}.")
    norm = np.linalg.norm(v)
    if not np.isclose(np.linalg.norm(got[0]), norm, rtol=1e-3):
        raise CheckFailed(f"the control's norm is {np.linalg.norm(got[0]):.3f}, the vector's {norm:.3f}: a control "
                          "of another size changes how hard the layer is pushed, not only where.")
    if not np.allclose(got[0], got[1]):
        raise CheckFailed("the same seed gave two different directions: a control must be reproducible.")
    if np.allclose(got[0], got[2]):
        raise CheckFailed("seeds 0 and 1 gave the same direction: each seed should draw its own.")
    if np.count_nonzero(got[0]) <= 4:
        raise CheckFailed("the control only uses the units where the vector is nonzero; draw it over all units.")
    cosines = [abs(float(g @ v)) / norm ** 2 for g in (got[0], got[2])]
    if max(cosines) > 0.5:
        raise CheckFailed(f"the control is aligned with the vector (|cosine| {max(cosines):.2f}): it should carry no "
                          "information about the coin, so draw it independently of the vector's direction.")


# ---------------------------------------------------------------- ex-inside-layers

def layers_questions() -> list[Question]:
    """The quiz ``ex-inside-layers``: reading probes across layers."""
    return [
        Question(
            "A probe reads 'coin ahead' almost perfectly from hidden layer 1 of an agent, and from hidden layer 2 "
            "no better than always giving the commoner answer. What does that show?",
            [Choice("Layer 2 has dropped, or no longer keeps linearly, what layer 1 knew about the coin; the "
                    "policy head reads layer 2, so the coin's side hardly reaches the actions through it.", True,
                    "Yes: the policy and value heads see layer 2 only. A variable gone from the last layer cannot "
                    "steer the actions (though a nonlinear read-out might still find a trace)."),
             Choice("The agent uses the coin's side to choose its actions.", False,
                    "The actions are computed from layer 2, where the probe is at chance."),
             Choice("Layer 1 learned the coin, so the agent's goal is the coin.", False,
                    "A random network's layer 1 keeps much of its input too: compare with the random-weights "
                    "control before crediting training.")]),
        Question(
            "The probe for 'coin in view' is as accurate on a random-weights network as on the trained agent. "
            "Which conclusions hold?",
            [Choice("Decodability alone does not show that training made the network attend to the coin.", True,
                    "Right: a wide random layer passes much of its input through."),
             Choice("Whether the agent uses the coin has to be tested by intervening (steering, editing).", True,
                    "Right: a probe shows that information is there, not that the policy reads it."),
             Choice("The agent must be pursuing the coin.", False,
                    "The random network pursues nothing and passes the same probe.")]),
        Question(
            "An edit raises an agent's coin rate on levels with the coin moved, and random directions of the same "
            "norm do not; on levels with the coin at the end (where the goals coincide) the same edit lowers its "
            "coin rate a lot. What is the right reading?",
            [Choice("The edit knocks the agent off its route in a way specific to the vector, but it is not a goal "
                    "edit: an agent that wanted the coin more would still take the coin at the end.", True,
                    "Yes: the goals-coincide levels separate 'wants the coin more' from 'navigates worse'."),
             Choice("The edit made the agent pursue the coin.", False,
                    "Then it would still collect the coin where the coin lies on its usual route, at the end."),
             Choice("Nothing can be read from it, because random directions did not change the coin rate.", False,
                    "The random directions are what show the effect is specific to the vector; the end levels "
                    "show what kind of effect it is.")]),
    ]
