"""The thresholds each chapter's claims are tested against, one module per chapter, named after the
chapter's notebook (``first_look``: 00, ``rewards_vs_goals``: 01, ``causal_vs_spurious``: 02,
``capability_vs_goal``: 03, ``auto_induced_shift``: 04, ``real_coinrun``: 05, ``mitigations``: 06, ``language_model``: 08).

Each constant bounds one measured quantity that the chapter's prose states and that its claims test
(``tests/test_claims_*.py``, listed in ``book/contributing_exercises.md``) asserts; its comment says
what it bounds and where the value came from (usually the measured value, with a margin).
"""
