"""A small decoder-only transformer that reads a prompt and answers with one token.

Token and position embeddings, ``n_layers`` pre-LayerNorm blocks (causal multi-head
self-attention, then a two-layer MLP, each added to the residual stream), a final LayerNorm and an
unembedding. Only the last position's logits are used: the assistant's one-token answer.

Shapes: ``tokens`` (B, T) int64 with T <= ``max_length``; ``forward`` returns logits (B, vocab);
``residual_stream`` returns (n_layers + 1, B, d_model): the residual stream at the last position
after the embeddings and after each block (what a linear probe reads).

Example:
    >>> import torch
    >>> from goalmisgen.language.model import TinyTransformer
    >>> model = TinyTransformer(vocab_size=26, seed=0)
    >>> model(torch.zeros(5, 8, dtype=torch.long)).shape
    torch.Size([5, 26])
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.nn import functional as F

from goalmisgen.validation import check_int, check_seed


@dataclass(frozen=True)
class ModelConfig:
    """The transformer's size: ``d_model`` must be a multiple of ``n_heads``."""

    vocab_size: int
    d_model: int = 64
    n_heads: int = 4
    n_layers: int = 2
    max_length: int = 8

    def __post_init__(self):
        check_int("vocab_size", self.vocab_size, low=2)
        check_int("n_layers", self.n_layers, low=1, high=12)
        check_int("max_length", self.max_length, low=1, high=4096)
        check_int("n_heads", self.n_heads, low=1)
        if check_int("d_model", self.d_model, low=1) % self.n_heads:
            raise ValueError(f"d_model={self.d_model} is not allowed: d_model must be a multiple of n_heads={self.n_heads}")


class Block(nn.Module):
    """One pre-LayerNorm block: x + attention(LN(x)), then x + MLP(LN(x)); (B, T, d) -> (B, T, d)."""

    def __init__(self, d_model: int, n_heads: int):
        super().__init__()
        self.n_heads = n_heads
        self.ln1, self.ln2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(), nn.Linear(4 * d_model, d_model))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, length, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=-1)
        # (B, T, d) -> (B, heads, T, d / heads)
        q, k, v = (t.view(batch, length, self.n_heads, d // self.n_heads).transpose(1, 2) for t in (q, k, v))
        attended = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.out(attended.transpose(1, 2).reshape(batch, length, d))
        return x + self.mlp(self.ln2(x))


class TinyTransformer(nn.Module):
    """A decoder-only transformer (see the module docstring); ``seed`` fixes its initial weights."""

    def __init__(self, vocab_size: int, d_model: int = 64, n_heads: int = 4, n_layers: int = 2,
                 max_length: int = 8, seed: int = 0):
        super().__init__()
        self.config = ModelConfig(vocab_size, d_model, n_heads, n_layers, max_length)
        generator_state = torch.random.get_rng_state()
        torch.manual_seed(check_seed(seed))
        self.embed = nn.Embedding(vocab_size, d_model)
        self.position = nn.Embedding(max_length, d_model)
        self.blocks = nn.ModuleList(Block(d_model, n_heads) for _ in range(n_layers))
        self.ln_final = nn.LayerNorm(d_model)
        self.unembed = nn.Linear(d_model, vocab_size)
        torch.random.set_rng_state(generator_state)

    def _check(self, tokens: torch.Tensor) -> torch.Tensor:
        if tokens.ndim != 2 or tokens.dtype != torch.long:
            raise ValueError(f"tokens must be a (B, T) int64 tensor, got shape {tuple(tokens.shape)} dtype {tokens.dtype}")
        if not 1 <= tokens.shape[1] <= self.config.max_length:
            raise ValueError(f"tokens has length {tokens.shape[1]}: the model reads 1..{self.config.max_length} tokens")
        if tokens.numel() and (tokens.min() < 0 or tokens.max() >= self.config.vocab_size):
            raise ValueError(f"tokens must be ids in [0, {self.config.vocab_size - 1}], got "
                             f"{int(tokens.min())}..{int(tokens.max())}")
        return tokens

    def residual_stream(self, tokens: torch.Tensor) -> torch.Tensor:
        """(n_layers + 1, B, d_model): the last position's residual after the embeddings and each block."""
        tokens = self._check(tokens)
        x = self.embed(tokens) + self.position(torch.arange(tokens.shape[1]))
        states = [x[:, -1]]
        for block in self.blocks:
            x = block(x)
            states.append(x[:, -1])
        return torch.stack(states)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """(B, T) token ids -> (B, vocab_size) logits of the answer token (after the last position)."""
        return self.unembed(self.ln_final(self.residual_stream(tokens)[-1]))

    def settings(self) -> dict:
        """The constructor's size arguments (without the seed), to rebuild the model for a state dict."""
        return asdict(self.config)
