"""Sentence splitting and the compact sentence-vector format kept in passage metadata."""

from __future__ import annotations

import numpy as np
import pytest

from vectorstore.sentences import (
    MAX_SENTENCES,
    META_SENTENCE_VECTORS,
    has_sentence_vectors,
    pack_vectors,
    passage_vectors,
    sentence_inputs,
    sentence_metadata,
    split_sentences,
    unpack_vectors,
)


def test_sentences_end_at_stops_before_a_capital_and_at_line_breaks() -> None:
    text = 'He said "Stop." Then he left! Was it 2019? It was.\nA new line here'
    assert split_sentences(text) == [
        'He said "Stop."',
        "Then he left!",
        "Was it 2019?",
        "It was.",
        "A new line here",
    ]
    assert split_sentences("The cost was 4.5 million euros, not 3.2 million.") == [
        "The cost was 4.5 million euros, not 3.2 million."
    ]
    assert split_sentences("  \n ") == []


def test_a_passage_of_many_tiny_lines_is_merged_down_but_loses_no_word() -> None:
    text = "\n".join(f"Item {i}" for i in range(60))
    sentences = split_sentences(text)
    assert len(sentences) == MAX_SENTENCES
    assert " ".join(sentences).split() == text.split()


def test_sentence_inputs_carry_the_title() -> None:
    assert sentence_inputs("One. Two.", "Title") == ["Title\nOne.", "Title\nTwo."]
    assert sentence_inputs("One. Two.", None) == ["One.", "Two."]


def test_packed_vectors_keep_their_direction() -> None:
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(5, 384))
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    packed = pack_vectors(vectors.tolist())
    assert isinstance(packed, str) and len(packed) == 4 * 5 * 384 // 3
    back = unpack_vectors(packed, 384)
    assert back.shape == (5, 384)
    assert np.all((back * unit).sum(axis=1) > 0.9999)
    assert unpack_vectors("", 384).shape == (0, 384)
    with pytest.raises(ValueError):
        unpack_vectors(packed, 100)


def test_a_record_without_matching_vectors_reads_as_none() -> None:
    text = "First sentence. Second sentence."
    vector = [1.0] + [0.0] * 15
    good = sentence_metadata([[0.0, 1.0] + [0.0] * 14, [1.0] + [0.0] * 15])
    read = passage_vectors("a:0", text, vector, {"title": "T", **good})
    assert read.sentences == ("First sentence.", "Second sentence.")
    assert read.sentence_vectors.shape == (2, 16) and read.passage.title == "T"
    assert has_sentence_vectors(good) and not has_sentence_vectors({"title": "T"})
    # written before sentence vectors existed, or split by other rules: no vectors, no misalignment
    assert passage_vectors("a:0", text, vector, {"title": "T"}).sentences == ()
    one = {**good, META_SENTENCE_VECTORS: pack_vectors([[1.0] + [0.0] * 15])}
    assert passage_vectors("a:0", text, vector, one).sentences == ()
