"""Sentence vectors stored with each passage: where in a passage the evidence for a question is.

A passage embedding says what a ~200-token passage is about; a question usually hinges on one of
its sentences, and neighbouring passages of the same article look alike to the passage embedding.
So each passage also carries one vector per sentence (title + sentence, the same model), written
in the passage's own record: they are upserted, replaced and deleted with the passage in one
write, and a crash can never leave one without the other.

They are kept as int8 (each vector scaled so its largest component is 127; cosine to the float
vector ~0.9999) in one base64 metadata string: 512 characters per sentence, a few KB a passage.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from vectorstore.base import Passage

# Metadata keys. The version key lets a reader (and the ingest job) tell a passage written before
# sentence vectors existed, or with another layout, from a current one.
META_SENTENCE_VECTORS = "footnote:sentence_vectors"
META_SENTENCE_VERSION = "footnote:sentence_version"
SENTENCE_VERSION = 1
MAX_SENTENCES = 24  # a passage of many tiny lines (a table, a list) is merged down to this many
_INT8_SCALE = 127.0

# A sentence ends at . ! ? … (with closing quotes or brackets) before a capital, digit or opening
# quote, or at a line break. Abbreviations cost little here: a split abbreviation only makes two
# shorter sentences, each still scored.
_BOUNDARY = re.compile(
    r"(?:(?<=[.!?…])|(?<=[.!?…][\"'”’)\]]))\s+(?=[\"'“‘(\[]?[A-Z0-9])|\s*\n\s*"
)


def split_sentences(text: str) -> list[str]:
    """The sentences of a passage, in order (at most ``MAX_SENTENCES``: short ones merged)."""
    pieces = [p.strip() for p in _BOUNDARY.split(text)]
    sentences = [p for p in pieces if len(p) > 1]
    while len(sentences) > MAX_SENTENCES:
        # Merge the shortest adjacent pair: keeps long sentences whole, folds list items together.
        lengths = [len(a) + len(b) for a, b in zip(sentences, sentences[1:], strict=False)]
        i = int(np.argmin(lengths))
        sentences[i : i + 2] = [f"{sentences[i]} {sentences[i + 1]}"]
    return sentences


def sentence_input(sentence: str, title: str | None) -> str:
    """What gets embedded for one sentence: the article title, then the sentence.

    The title places a sentence in its story ("it rose 4%" says nothing without it), the same way
    a passage is embedded with its title.
    """
    return f"{title}\n{sentence}" if title else sentence


def sentence_inputs(text: str, title: str | None) -> list[str]:
    """``sentence_input`` of each sentence of a passage."""
    return [sentence_input(s, title) for s in split_sentences(text)]


def pack_vectors(vectors: Sequence[Sequence[float]]) -> str:
    """Vectors -> one compact string (int8, base64); only their directions are kept."""
    if not len(vectors):
        return ""
    matrix = np.asarray(vectors, dtype=np.float32)
    peaks = np.abs(matrix).max(axis=1, keepdims=True)
    scaled = matrix / np.where(peaks == 0, 1.0, peaks)  # direction is all a cosine needs
    quantized = np.clip(np.rint(scaled * _INT8_SCALE), -127, 127).astype(np.int8)
    return base64.b64encode(quantized.tobytes()).decode("ascii")


def unpack_vectors(packed: str, dimension: int) -> np.ndarray:
    """The string of ``pack_vectors`` -> a float32 (sentences x dimension) matrix of unit rows."""
    if not packed:
        return np.zeros((0, dimension), dtype=np.float32)
    raw = np.frombuffer(base64.b64decode(packed), dtype=np.int8)
    if dimension <= 0 or raw.size % dimension:
        raise ValueError(f"packed sentence vectors do not fit dimension {dimension}")
    matrix = raw.reshape(-1, dimension).astype(np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


def sentence_metadata(vectors: Sequence[Sequence[float]]) -> dict[str, Any]:
    """The metadata entries that carry a passage's sentence vectors."""
    return {META_SENTENCE_VECTORS: pack_vectors(vectors), META_SENTENCE_VERSION: SENTENCE_VERSION}


def has_sentence_vectors(metadata: Mapping[str, Any] | None) -> bool:
    """True when a stored record carries current sentence vectors."""
    return bool(metadata) and (metadata or {}).get(META_SENTENCE_VERSION) == SENTENCE_VERSION


def with_sentence_vectors(
    texts: Sequence[str],
    metadatas: Sequence[dict[str, Any] | None],
    embed: Any,
    title_key: str,
) -> list[dict[str, Any]]:
    """Copies of ``metadatas`` with each passage's sentence vectors, embedded in one batch.

    Args:
        texts: The passages' texts.
        metadatas: Their metadata (not modified).
        embed: ``embed_documents``-like callable: list of strings -> list of vectors.
        title_key: The metadata key holding the article title.
    """
    inputs: list[list[str]] = [
        sentence_inputs(text, (meta or {}).get(title_key))
        for text, meta in zip(texts, metadatas, strict=True)
    ]
    flat = [s for group in inputs for s in group]
    vectors = embed(flat) if flat else []
    out: list[dict[str, Any]] = []
    start = 0
    for group, meta in zip(inputs, metadatas, strict=True):
        rows = vectors[start : start + len(group)]
        start += len(group)
        out.append({**(meta or {}), **sentence_metadata(rows)})
    return out


@dataclass(frozen=True, slots=True)
class PassageVectors:
    """A stored passage with its embedding and its sentences' vectors (for reranking)."""

    passage: Passage
    vector: np.ndarray  # the passage embedding (title + text), unit length
    sentences: tuple[str, ...]  # ``split_sentences(text)``; empty when the record has no vectors
    sentence_vectors: np.ndarray  # (len(sentences), dimension), unit rows


def passage_vectors(
    id: str, text: str, vector: Sequence[float], metadata: Mapping[str, Any] | None
) -> PassageVectors:
    """Read a stored record's vectors.

    A record without (or with unreadable) sentence vectors gets none; its reader falls back to
    the passage vector.
    """
    record = Passage.from_record(id, text, metadata)
    passage = np.asarray(vector, dtype=np.float32)
    dimension = passage.shape[0]
    empty = PassageVectors(record, passage, (), np.zeros((0, dimension), dtype=np.float32))
    if not has_sentence_vectors(metadata):
        return empty
    try:
        matrix = unpack_vectors(str((metadata or {}).get(META_SENTENCE_VECTORS, "")), dimension)
    except ValueError:
        return empty
    sentences = tuple(split_sentences(text))
    if len(sentences) != matrix.shape[0]:  # split by other rules than these: do not misalign
        return empty
    return PassageVectors(record, passage, sentences, matrix)
