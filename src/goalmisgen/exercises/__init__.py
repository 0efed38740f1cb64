"""Exercises: checkers, one module per chapter (``coinrun``: the first look at CoinRun-grid;
``rewards_goals``: rewards versus goals; ``causal``: causal versus spurious structure;
``capability_goal``: capability versus goal generalization; ``ads``: auto-induced distributional
shift; ``procgen``: the real CoinRun; ``mitigations``: level curricula against domain
randomization), and the chapters' concept-check quizzes (``quiz``). The form of an exercise is
written down in ``book/contributing_exercises.md``; the student edition and the grader that use
these checkers are ``goalmisgen.teaching``.

Each checker takes the learner's function, compares it with the package's reference on several
inputs, prints one line on success and raises ``CheckFailed`` (with what differs and a hint) on
failure. A function that still raises ``NotImplementedError`` is reported as not implemented yet.
"""

from goalmisgen.exercises._check import CheckFailed, NotImplementedYet

__all__ = ["CheckFailed", "NotImplementedYet"]
