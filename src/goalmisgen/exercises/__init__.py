"""Exercises: checkers, one module per chapter, named after the chapter's notebook
(``first_look``: 00, a first look at CoinRun-grid; ``rewards_vs_goals``: 01; ``causal_vs_spurious``:
02; ``capability_vs_goal``: 03; ``auto_induced_shift``: 04; ``real_coinrun``: 05, the real CoinRun;
``mitigations``: 06, level curricula against domain randomization; ``language_model``: 08, goals in
a small language model), and the chapters'
concept-check quizzes (``quiz``). The form of an exercise is written down in
``book/contributing_exercises.md``; the student edition and the grader that use these checkers are
``goalmisgen.teaching``.

Each checker takes the learner's function, compares it with the package's reference on several
inputs, prints one line on success and raises ``CheckFailed`` (with what differs and a hint) on
failure. A function that still raises ``NotImplementedError`` is reported as not implemented yet.
"""

from goalmisgen.exercises._check import CheckFailed, NotImplementedYet

__all__ = ["CheckFailed", "NotImplementedYet"]
