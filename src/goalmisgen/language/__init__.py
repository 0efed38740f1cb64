"""Chapter 8: goals in a small language model.

One concept per module: ``task`` (the prompts, the tokenizer, the intended goal beside the proxy),
``model`` (a small decoder-only transformer), ``training`` (supervised), ``policy_gradient``
(fine-tuning with a reward for correctness), ``evaluation`` (capability and goal), ``probe`` (a
linear probe of the residual stream).
"""
