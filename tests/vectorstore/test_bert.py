"""The light BERT encoder equals sentence-transformers on the models it reads (issue 8, item 11)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from vectorstore.bert import BertEncoder, readable_shape
from vectorstore.embeddings import SentenceTransformerEmbeddings, resolve_model_path

pytestmark = pytest.mark.slow

TEXTS = [
    "How much did the harbour bridge repair cost?",
    "The repair cost exactly 40 million euros, the city's infrastructure department confirmed.",
    "word " * 400,  # longer than the model reads: truncated like sentence-transformers does
    "x",
    "",
    "Ünïcödé, emoji 🚀 and [brackets] — dashes",
]


def test_same_vectors_as_sentence_transformers_fp32():
    path = resolve_model_path("default")
    shape = readable_shape(path)
    assert shape is not None and shape.max_seq_length == 256
    light = np.array(BertEncoder(path, shape).encode(TEXTS, batch_size=4))
    reference = np.array(SentenceTransformerEmbeddings(dtype="float32").encode(TEXTS))
    cosines = (light * reference).sum(axis=1)
    assert cosines.min() > 0.99999, cosines
    assert np.allclose(np.linalg.norm(light, axis=1), 1.0, atol=1e-5)


def test_light_embeddings_are_used_only_when_asked_and_readable():
    light = SentenceTransformerEmbeddings(dtype="float32", light=True)
    vector = light.embed_query("bridge repair")
    assert len(vector) == 384


def test_models_it_cannot_read_exactly_fall_back(tmp_path: Path):
    source = Path(resolve_model_path("default"))
    for name in ("modules.json", "config.json", "sentence_bert_config.json"):
        (tmp_path / name).write_text((source / name).read_text())
    (tmp_path / "1_Pooling").mkdir()
    pooling = json.loads((source / "1_Pooling" / "config.json").read_text())
    (tmp_path / "1_Pooling" / "config.json").write_text(
        json.dumps({**pooling, "pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True})
    )
    assert readable_shape(str(tmp_path)) is None
    assert readable_shape(str(tmp_path / "missing")) is None


def test_bf16_stays_close_to_fp32():
    path = resolve_model_path("default")
    shape = readable_shape(path)
    assert shape is not None
    fast = np.array(BertEncoder(path, shape, "bfloat16").encode(TEXTS))
    reference = np.array(SentenceTransformerEmbeddings(dtype="float32").encode(TEXTS))
    assert (fast * reference).sum(axis=1).min() > 0.999


def test_a_question_embedded_again_is_not_encoded_again(monkeypatch):
    """Retrieval and the reader both embed the question; the second costs nothing."""
    from vectorstore import embeddings as module

    model = SentenceTransformerEmbeddings(dtype="float32", light=True)
    calls: list[list[str]] = []
    encode = model.encode
    monkeypatch.setattr(model, "encode", lambda texts: calls.append(list(texts)) or encode(texts))
    first = model.embed_query("bridge repair")
    first.append(99.0)  # a caller changing its copy does not change the remembered vector
    again = model.embed_query("bridge repair")
    assert calls == [["bridge repair"]] and len(again) == 384
    for n in range(module.RECENT_QUERIES):
        model.embed_query(f"question {n}")
    model.embed_query("bridge repair")  # pushed out by newer questions: encoded again
    assert calls[-1] == ["bridge repair"]
