"""Exercise checkers, one module per chapter (``ads``: auto-induced distributional shift).

Each checker takes the learner's function, compares it with the package's reference on several
inputs, prints one line on success and raises ``CheckFailed`` (with what differs and a hint) on
failure. A function that still raises ``NotImplementedError`` is reported as not implemented yet.
"""

from goalmisgen.exercises._check import CheckFailed

__all__ = ["CheckFailed"]
