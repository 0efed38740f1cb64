"""The named experiments that write the shipped ``data/`` artifacts, one module each, each writing
a manifest (``common.write_manifest``).

``python -m goalmisgen regenerate NAME`` (or ``make data`` for every one that runs on a CPU)
re-runs them; ``python -m goalmisgen regenerate --list`` lists them. The registry
(``registry.EXPERIMENTS``) names each one's data folder, function and estimated wall time.
Import the names of an experiment from its module, e.g.
``from goalmisgen.experiments.headline import HEADLINE_STEPS``.
"""
