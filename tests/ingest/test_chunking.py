"""PassageSplitter: token limits with the real tokenizer, overlap, metadata, stable ids."""

from __future__ import annotations

import pytest

from ingest.articles import Article
from ingest.chunking import (
    PassageSplitter,
    WordPieceCounter,
    passage_key,
    published_timestamp,
)
from ingest.config import IngestSettings
from vectorstore.base import (
    META_ARTICLE_ID,
    META_AUTHOR,
    META_CONTENT_HASH,
    META_INDEX,
    META_LOCATION,
    META_ORIGIN,
    META_PUBLISHED,
    META_PUBLISHED_TS,
    META_SOURCE,
    META_TITLE,
    META_URL,
)
from vectorstore.chroma import embedding_input

from ..conftest import EXAMPLES_DIR

SENTENCES = [
    "The harbour authority published its annual report on Tuesday morning.",
    "Cargo volumes rose by 12 percent, driven by container traffic from the north.",
    "Ferry passenger numbers recovered to their pre-pandemic level for the first time.",
    "A new electric crane, delivered in March, cut loading times by a fifth.",
    "Dredging of the eastern channel will start next spring and last nine months.",
    "The council asked for a study of noise levels near the residential quays.",
    "Fishermen welcomed the plan to reserve two berths for small boats.",
    "Tourism officials expect three cruise ships more than last year.",
]


def long_article(paragraphs: int = 12, **overrides: object) -> Article:
    body = "\n\n".join(
        " ".join(SENTENCES[(p + i) % len(SENTENCES)] for i in range(6)) for p in range(paragraphs)
    )
    fields: dict[str, object] = {
        "article_id": "art-1",
        "text": body,
        "title": "Harbour report shows record cargo year",
        "origin": "/corpus",
        "location": "/corpus/harbour.md",
        "url": "https://news.example/harbour",
        "source": "Harbour Gazette",
        "author": "Ada Quay",
        "published": "2026-03-02T08:00:00+00:00",
    }
    fields.update(overrides)
    return Article(**fields)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def splitter(real_embeddings) -> PassageSplitter:
    return PassageSplitter(real_embeddings, chunk_tokens=200, overlap_tokens=32)


def fits(splitter: PassageSplitter, embeddings, doc) -> int:
    return embeddings.count_tokens(embedding_input(doc.page_content, doc.metadata))


def test_every_sample_corpus_embedding_input_fits_the_model(splitter, real_embeddings) -> None:
    from ingest.loaders import iter_source

    settings = IngestSettings(_env_file=None)
    articles = [
        item
        for item in iter_source(str(EXAMPLES_DIR / "corpus"), settings)
        if isinstance(item, Article)
    ]
    assert len(articles) >= 5
    limit = real_embeddings.max_tokens - 2  # [CLS] and [SEP]
    sizes = []
    for article in articles:
        docs = splitter.split(article)
        assert docs, article.location
        for doc in docs:
            size = fits(splitter, real_embeddings, doc)
            assert size <= limit, (article.location, doc.metadata[META_INDEX], size)
            assert real_embeddings.count_tokens(doc.page_content) <= 200
            sizes.append(size)
    assert max(sizes) > 100  # the sample corpus has multi-passage articles, sized near the target


def test_long_and_hostile_inputs_stay_within_the_limit(splitter, real_embeddings) -> None:
    limit = real_embeddings.max_tokens - 2
    hostile = [
        long_article(title="Very long title " * 60),  # a title far beyond its budget
        long_article(text="x" * 5000),  # one enormous word: no separator at all
        long_article(text="Ünïcödé 数据 " * 400),  # accents and CJK, many word pieces per word
        long_article(text="supercalifragilisticexpialidocious, " * 300),
    ]
    for article in hostile:
        docs = splitter.split(article)
        assert docs
        for doc in docs:
            assert fits(splitter, real_embeddings, doc) <= limit
    # the title is cut with an ellipsis, never dropped, and stays within its budget
    title = splitter.split(hostile[0])[0].metadata[META_TITLE]
    assert title.startswith("Very long title") and title.endswith("…")
    assert real_embeddings.count_tokens(title) <= splitter.title_budget


def test_word_piece_counter_matches_the_model_tokenizer(splitter, real_embeddings) -> None:
    assert WordPieceCounter.supports(real_embeddings.model.tokenizer)
    texts = [
        long_article().text,
        "Don't split e-mail addresses (a.b@c.de) or URLs https://x.example/a?b=c!",
        "Crème brûlée, naïve café; 東京 and Ελληνικά — “quotes” …",
        "tabs\tand\nnew lines\r\n  and   spaces",
    ]
    for text in texts:
        assert splitter.count_tokens(text) == real_embeddings.count_tokens(text)


def test_passages_overlap_and_cover_the_text(splitter) -> None:
    article = long_article()
    docs = splitter.split(article)
    assert len(docs) >= 3
    texts = [d.page_content for d in docs]
    for before, after in zip(texts, texts[1:], strict=False):
        # the next passage starts with words the previous one ended with
        head = " ".join(after.split()[:4])
        assert head in before, (before[-120:], after[:120])
    # every sentence of the article is in some passage
    for sentence in SENTENCES:
        assert any(sentence in t for t in texts)


def test_metadata_is_complete_and_has_no_none(splitter) -> None:
    docs = splitter.split(long_article())
    for index, doc in enumerate(docs):
        meta = doc.metadata
        assert meta[META_ARTICLE_ID] == "art-1"
        assert meta[META_INDEX] == index
        assert meta[META_TITLE] == "Harbour report shows record cargo year"
        assert meta[META_URL] == "https://news.example/harbour"
        assert meta[META_SOURCE] == "Harbour Gazette"
        assert meta[META_AUTHOR] == "Ada Quay"
        assert meta[META_PUBLISHED] == "2026-03-02T08:00:00+00:00"
        assert meta[META_PUBLISHED_TS] == 1772438400
        assert meta[META_ORIGIN] == "/corpus"
        assert meta[META_LOCATION] == "/corpus/harbour.md"
        assert len(meta[META_CONTENT_HASH]) == 64
    sparse = splitter.split(long_article(url=None, author=None, published=None, source=None))
    for doc in sparse:
        assert None not in doc.metadata.values()
        for key in (META_URL, META_AUTHOR, META_PUBLISHED, META_PUBLISHED_TS, META_SOURCE):
            assert key not in doc.metadata


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-02T08:00:00+00:00", 1772438400),
        ("2026-03-02T09:00:00+01:00", 1772438400),
        ("2026-03-02T08:00:00Z", 1772438400),
        ("2026-03-02", 1772409600),  # a date alone is midnight UTC
        ("March 2nd", None),
        (None, None),
    ],
)
def test_published_timestamp(value, expected) -> None:
    assert published_timestamp(value) == expected


def test_ids_are_stable_and_follow_content(splitter, real_embeddings) -> None:
    first = [passage_key(d) for d in splitter.split(long_article())]
    again = [
        passage_key(d) for d in PassageSplitter(real_embeddings, 200, 32).split(long_article())
    ]
    assert first == again
    assert len(set(first)) == len(first)
    edited = [passage_key(d) for d in splitter.split(long_article(author="Someone Else"))]
    assert not set(edited) & set(first)  # any change to the article replaces all its passages
    other = [passage_key(d) for d in splitter.split(long_article(article_id="art-2"))]
    assert not set(other) & set(first)


def test_fake_embeddings_use_an_approximate_counter() -> None:
    splitter = PassageSplitter(None, chunk_tokens=40, overlap_tokens=8)
    docs = splitter.split(long_article())
    assert len(docs) > 5
    assert all(splitter.count_tokens(d.page_content) <= 40 for d in docs)


def test_rejects_impossible_sizes() -> None:
    with pytest.raises(ValueError, match="chunk_tokens"):
        PassageSplitter(None, chunk_tokens=8, overlap_tokens=0)
    with pytest.raises(ValueError, match="overlap"):
        PassageSplitter(None, chunk_tokens=64, overlap_tokens=64)
