"""Looking inside the agents' networks (chapter 7).

* ``capture``: record any layer's activations over a batch of observations (forward hooks).
* ``editing``: add, subtract or set a direction or units of a layer while the network runs, for
  example during a rollout (forward hooks; the network's code and weights are not touched).
* ``probes``: linear probes fitted on some levels and scored on held-out levels, with a
  shuffled-label control, and a random-weights network of the same shape.
* ``coinrun_states``: CoinRun-grid observations labelled with what a probe asks about (where the
  coin is relative to the agent, how far the end is).
* ``coinrun_probes``: chapter 7's probe table (which label, which layer, which network) and how far
  the coin moves a layer.
* ``steering``: a coin vector (activations with the coin in view minus without) and plays of
  CoinRun-grid levels with a vector added.
* ``figures``: the chapter's probe and steering figures.
"""

from goalmisgen.interp.capture import capture, hidden_layers
from goalmisgen.interp.editing import edited

__all__ = ["capture", "edited", "hidden_layers"]
