"""A small BERT encoder in plain torch, for answering commands that only embed questions.

Importing sentence-transformers (which imports transformers and scikit-learn) costs 3-10 s on
the 2-core machine, more than everything else ``footnote ask`` does. For the models it can read
exactly (a sentence-transformers folder holding a BERT with mean pooling, like the bundled
all-MiniLM-L6-v2), this module computes the same vectors with torch, ``tokenizers`` and
``safetensors`` alone. Anything else falls back to sentence-transformers; ingestion always uses
sentence-transformers (it also needs its token counting).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)

ST_TRANSFORMER = "sentence_transformers.models.Transformer"
ST_POOLING = "sentence_transformers.models.Pooling"
ST_NORMALIZE = "sentence_transformers.models.Normalize"


@dataclass(frozen=True, slots=True)
class BertShape:
    """What the forward pass needs from ``config.json``."""

    layers: int
    heads: int
    hidden: int
    eps: float
    max_seq_length: int


def readable_shape(path: str) -> BertShape | None:
    """The model's shape when this module computes it exactly; ``None`` for anything else."""
    folder = Path(path)
    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        st_config = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
        pooling_dir = next(m["path"] for m in modules if m.get("type") == ST_POOLING)
        pooling = json.loads((folder / pooling_dir / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, StopIteration, KeyError, TypeError):
        return None
    types = [m.get("type") for m in modules]
    mean_only = pooling.get("pooling_mode_mean_tokens") and not any(
        pooling.get(key)
        for key in (
            "pooling_mode_cls_token",
            "pooling_mode_max_tokens",
            "pooling_mode_mean_sqrt_len_tokens",
            "pooling_mode_weightedmean_tokens",
            "pooling_mode_lasttoken",
        )
    )
    if (
        types not in ([ST_TRANSFORMER, ST_POOLING], [ST_TRANSFORMER, ST_POOLING, ST_NORMALIZE])
        or not mean_only
        or config.get("model_type") != "bert"
        or config.get("hidden_act") != "gelu"
        or config.get("position_embedding_type", "absolute") != "absolute"
        or not (folder / "model.safetensors").is_file()
        or not (folder / "tokenizer.json").is_file()
    ):
        return None
    return BertShape(
        layers=int(config["num_hidden_layers"]),
        heads=int(config["num_attention_heads"]),
        hidden=int(config["hidden_size"]),
        eps=float(config.get("layer_norm_eps", 1e-12)),
        max_seq_length=int(st_config.get("max_seq_length") or 512),
    )


class BertEncoder:
    """Mean-pooled, L2-normalised BERT sentence embeddings (inference only).

    Args:
        path: A sentence-transformers model folder accepted by ``readable_shape``.
        shape: Its shape.
        dtype: ``"float32"`` or ``"bfloat16"`` (as chosen for the store's model).
    """

    def __init__(self, path: str, shape: BertShape, dtype: str = "float32") -> None:
        import torch
        from safetensors.torch import load_file
        from tokenizers import Tokenizer

        self.shape = shape
        self.dtype = torch.bfloat16 if dtype == "bfloat16" else torch.float32
        weights = load_file(str(Path(path) / "model.safetensors"))
        prefix = "bert." if any(k.startswith("bert.") for k in weights) else ""
        self.w = {
            k[len(prefix) :]: v.to(self.dtype) for k, v in weights.items() if k.startswith(prefix)
        }
        self.tokenizer = Tokenizer.from_file(str(Path(path) / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=shape.max_seq_length)
        pad_id = self.tokenizer.token_to_id("[PAD]") or 0
        self.tokenizer.enable_padding(pad_id=pad_id, pad_token="[PAD]")

    def _linear(self, x: torch.Tensor, name: str) -> torch.Tensor:
        import torch.nn.functional as F  # noqa: N812 - the usual name

        return F.linear(x, self.w[f"{name}.weight"], self.w[f"{name}.bias"])

    def _norm(self, x: torch.Tensor, name: str) -> torch.Tensor:
        import torch.nn.functional as F  # noqa: N812

        return F.layer_norm(
            x, (x.shape[-1],), self.w[f"{name}.weight"], self.w[f"{name}.bias"], self.shape.eps
        )

    def _forward(self, ids: torch.Tensor, types: torch.Tensor, mask: torch.Tensor) -> Any:
        import torch
        import torch.nn.functional as F  # noqa: N812

        batch, length = ids.shape
        heads, hidden = self.shape.heads, self.shape.hidden
        head_dim = hidden // heads
        positions = torch.arange(length).unsqueeze(0)
        h = (
            F.embedding(ids, self.w["embeddings.word_embeddings.weight"])
            + F.embedding(positions, self.w["embeddings.position_embeddings.weight"])
            + F.embedding(types, self.w["embeddings.token_type_embeddings.weight"])
        )
        h = self._norm(h, "embeddings.LayerNorm")
        keep = mask.bool()[:, None, None, :]  # attend to real tokens only

        def split(x: torch.Tensor) -> torch.Tensor:
            return x.view(batch, length, heads, head_dim).transpose(1, 2)

        for i in range(self.shape.layers):
            layer = f"encoder.layer.{i}"
            q = split(self._linear(h, f"{layer}.attention.self.query"))
            k = split(self._linear(h, f"{layer}.attention.self.key"))
            v = split(self._linear(h, f"{layer}.attention.self.value"))
            attended = F.scaled_dot_product_attention(
                q, k, v, attn_mask=keep, scale=1.0 / math.sqrt(head_dim)
            )
            attended = attended.transpose(1, 2).reshape(batch, length, hidden)
            out = self._linear(attended, f"{layer}.attention.output.dense")
            h = self._norm(out + h, f"{layer}.attention.output.LayerNorm")
            inner = F.gelu(self._linear(h, f"{layer}.intermediate.dense"))
            out = self._linear(inner, f"{layer}.output.dense")
            h = self._norm(out + h, f"{layer}.output.LayerNorm")
        weights = mask.unsqueeze(-1).to(h.dtype)
        pooled = (h * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)
        return F.normalize(pooled.float(), p=2, dim=1)

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> list[list[float]]:
        """Embed ``texts``; returns plain float lists like ``SentenceTransformerEmbeddings``."""
        import torch

        # Longest first, as sentence-transformers does: batches of similar length pad less.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out: list[list[float]] = [[] for _ in texts]
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                chosen = order[start : start + batch_size]
                encoded = self.tokenizer.encode_batch([texts[i] for i in chosen])
                ids = torch.tensor([e.ids for e in encoded], dtype=torch.long)
                types = torch.tensor([e.type_ids for e in encoded], dtype=torch.long)
                mask = torch.tensor([e.attention_mask for e in encoded], dtype=torch.long)
                for i, vector in zip(chosen, self._forward(ids, types, mask).tolist(), strict=True):
                    out[i] = vector
        return out
