"""The instructors' tools around the chapters' exercises: the student edition (``student``: the
notebooks with their solutions taken out) and autograding (``grade``: every submission run in a
sandbox, each exercise graded by its chapter's checker from ``goalmisgen.exercises``).

The command line is ``python -m goalmisgen.teaching {student,grade}``; the form of an exercise is
written down in ``book/contributing_exercises.md``. The modules with a leading underscore are the
grader's parts: ``_source`` (reading the exercise form out of a notebook), ``_sandbox`` (isolating
a submission's process), ``_runner`` (the submission's side, inside the sandbox), ``_wire`` (the
messages between the two), ``_remote`` (the grader's stand-in for a student's function) and
``_uses`` (whether a graded function uses a reference implementation, read from its source).
"""
