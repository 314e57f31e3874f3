"""Hybrid retrieval on a real Chroma store with the real embedding model."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from langchain_core.documents import Document

from bot.engine.models import SearchFilters
from bot.engine.retrieval import (
    CompiledFilter,
    HybridRetriever,
    InvalidFilter,
    LexicalIndex,
    LexicalRetriever,
    Tokenizer,
)
from ingest.state import write_state
from vectorstore.chroma import ChromaArticleStore, make_client
from vectorstore.config import StoreSettings
from vectorstore.memory import InMemoryArticleStore

from ..conftest import shared_eval_dir


def _doc(
    article: str,
    index: int,
    text: str,
    *,
    title: str,
    source: str = "Harbour Gazette",
    published: str | None = None,
) -> tuple[str, Document]:
    meta: dict[str, object] = {
        "article_id": article,
        "passage_index": index,
        "title": title,
        "source": source,
        "url": f"https://example.org/{article}",
    }
    if published:
        meta["published"] = published
        moment = datetime.fromisoformat(published)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        meta["published_ts"] = int(moment.timestamp())
    return f"{article}:{index}", Document(text, metadata=meta)


CORPUS = [
    _doc(
        "bridge",
        0,
        "The harbour bridge reopened on Monday after a two-year repair.",
        title="Harbour bridge reopens",
        published="2026-03-02T08:00:00+00:00",
    ),
    _doc(
        "bridge",
        1,
        "The repair of the bridge cost 40 million euros, twice the estimate.",
        title="Harbour bridge reopens",
        published="2026-03-02T08:00:00+00:00",
    ),
    _doc(
        "ferry",
        0,
        "Ferry HX-4471 ran aground near the northern pier; nobody was hurt.",
        title="Ferry runs aground",
        source="Coast Times",
        published="2026-02-10",
    ),
    _doc(
        "oaks",
        0,
        "Volunteers planted 3,000 oak saplings along the river in one weekend.",
        title="River oaks",
        source="Valley News",
        published="2025-11-20T12:00:00",
    ),
    _doc(
        "library",
        0,
        "The council voted to keep the library open until 10 pm on weekdays.",
        title="Libraries open late",
        source="Valley News",
    ),
]


def _chroma(tmp_path: Path, embeddings, name: str = "retrieval") -> ChromaArticleStore:
    settings = StoreSettings(_env_file=None, data_dir=tmp_path / "data")
    return ChromaArticleStore(
        make_client(settings), embeddings, collection=name, model_name=embeddings.model_name
    )


def _add(store, docs) -> None:
    ids = [i for i, _ in docs]
    store.as_langchain().add_documents([d for _, d in docs], ids=ids)


@pytest.fixture
def store(tmp_path: Path, real_embeddings) -> ChromaArticleStore:
    store = _chroma(tmp_path, real_embeddings)
    _add(store, CORPUS)
    return store


def _articles(hits) -> list[str]:
    return [h.passage.article_id for h in hits]


# --- ranking -------------------------------------------------------------------------------


def test_hybrid_ranks_the_relevant_passage_first(store: ChromaArticleStore) -> None:
    retriever = HybridRetriever(store)
    hits = retriever.retrieve("How much did the bridge repair cost?", k=3)
    assert hits[0].passage.id == "bridge:1"
    assert hits[0].passage.text.startswith("The repair of the bridge")
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:], strict=False))


def test_exact_identifier_is_found_by_the_lexical_side(store: ChromaArticleStore) -> None:
    retriever = HybridRetriever(store)
    lexical = retriever.retrieve_lexical("HX-4471", k=3)
    assert _articles(lexical) == ["ferry"]  # only that passage contains the tokens
    assert _articles(retriever.retrieve("what happened to HX-4471?", k=3))[0] == "ferry"


def test_a_misspelt_word_is_read_as_the_indexed_word_one_edit_away(store) -> None:
    retriever = HybridRetriever(store)
    index = retriever.lexical.index
    tokenizer = retriever.lexical.tokenizer
    frequency = index.document_frequency
    tokens = tokenizer.query_tokens("harbuor brigde repiar saplnigs qwzxv", frequency)
    assert tokens == tokenizer("harbour bridge repair saplings qwzxv")  # nothing near: kept
    assert _articles(retriever.retrieve_lexical("saplnigs", k=3)) == ["oaks"]
    assert retriever.retrieve_lexical("sapling", k=3)  # a known word is never "corrected"
    assert tokenizer.query_tokens("brigde", lambda token: 0) == tokenizer("brigde")
    assert retriever.retrieve("how much did the brigde repiar cost?", k=1)[0].passage.id == (
        "bridge:1"
    )


def test_typos_in_a_question_are_read_as_the_words_the_articles_use(store) -> None:
    retriever = HybridRetriever(store)
    assert retriever.correct_spelling(
        "How much did the brigde repiar cost? Ask Harbuor's office"
    ) == (
        "How much did the bridge repair cost? Ask Harbour's office"  # case and possessive kept
    )
    # English words no article uses stay as typed, even one edit from an indexed one ("repair"):
    # a question about something the articles don't cover must not become another question.
    assert retriever.correct_spelling("Who repaid the severance?") == "Who repaid the severance?"
    assert (
        retriever.correct_spelling("qwzxv HX-4471 saplnigs-fund") == "qwzxv HX-4471 saplnigs-fund"
    )


def test_the_likeliest_typo_wins_over_the_most_common_word() -> None:
    tokenizer = Tokenizer()
    counts = {"water": 50, "writer": 1, "talk": 50, "tabl": 1}
    frequency = lambda token: counts.get(token, 0)  # noqa: E731
    assert tokenizer.nearest_indexed("witer", frequency) == "writer"  # a letter left out
    assert tokenizer.nearest_indexed("talbe", frequency) == "table"  # not "talke" (-> talk)
    assert tokenizer.nearest_indexed("qwzxv", frequency) is None
    assert tokenizer.misspelt("bouhgt", frequency)
    assert not tokenizer.misspelt("severance", frequency)  # English, though no article has it
    assert not tokenizer.misspelt("excising", frequency)  # a rare form of a common word
    assert not tokenizer.misspelt("water", frequency)  # indexed


def test_a_compound_meets_its_hyphenated_and_closed_spellings(
    tmp_path: Path, real_embeddings
) -> None:
    store = _chroma(tmp_path, real_embeddings, "compounds")
    banks = "Young neo-banks such as Chime signed up millions of users."
    cafe = "The cafe now offers free wifi to every guest."
    _add(
        store,
        CORPUS
        + [
            _doc("banks", 0, banks, title="Banking apps grow"),
            _doc("cafe", 0, cafe, title="Cafe upgrades"),
        ],
    )
    retriever = HybridRetriever(store)
    assert _articles(retriever.retrieve_lexical("that piece on neobanks", k=1)) == ["banks"]
    assert _articles(retriever.retrieve_lexical("wi-fi", k=1)) == ["cafe"]
    tokenizer = retriever.lexical.tokenizer
    frequency = retriever.lexical.index.document_frequency
    assert tokenizer.query_tokens("neobanks", frequency) == tokenizer("neo banks")
    # a hyphenated word counts written closed only where a story writes it so
    assert tokenizer.query_tokens("neo-banks", frequency) == tokenizer("neo banks")
    assert tokenizer.query_tokens("wi-fi", frequency) == tokenizer("wi fi wifi")
    assert tokenizer.split_compound("qwzxvbank", frequency) == []  # "qwzxv" is no word


def test_british_and_american_spellings_of_a_word_meet(store) -> None:
    retriever = HybridRetriever(store)
    tokenizer = retriever.lexical.tokenizer
    # (one edit apart, the typo reading found some of these already; "theatre" is two apart)
    assert tokenizer("harbor centers theater") == tokenizer("harbour centres theatre")


def test_a_story_is_found_by_where_it_ran(store) -> None:
    from bot.engine.retrieval.lexical import site_name

    retriever = HybridRetriever(store)
    # "Coast Times" is only the ferry story's publisher: no passage text says it
    assert _articles(retriever.retrieve_lexical("that coast times story", k=3)) == ["ferry"]
    assert site_name("https://www.wsj.com/articles/x") == "wsj"
    assert site_name("https://www.bbc.co.uk/news/x") == "bbc"
    assert site_name("http://social.techcrunch.com/2019/x") == "techcrunch"
    assert site_name(None) == site_name("not a url") == ""


def test_stopword_only_query_gives_no_lexical_hits(store: ChromaArticleStore) -> None:
    retriever = HybridRetriever(store)
    assert retriever.retrieve_lexical("the of and", k=5) == []
    # the dense side still answers, so hybrid does too
    assert len(retriever.retrieve("the of and", k=2)) == 2


def test_empty_store_returns_nothing(tmp_path: Path, real_embeddings) -> None:
    retriever = HybridRetriever(_chroma(tmp_path, real_embeddings, "empty"))
    assert retriever.retrieve("anything", k=5) == []
    assert retriever.retrieve_lexical("anything", k=5) == []


def test_modes_share_one_pass_and_agree_with_single_calls(store: ChromaArticleStore) -> None:
    retriever = HybridRetriever(store)
    query = "volunteers planting trees"
    modes = retriever.retrieve_modes(query, k=3)
    assert set(modes) == {"hybrid", "rrf", "dense", "bm25"}
    assert _articles(modes["dense"]) == _articles(retriever.retrieve_dense(query, k=3))
    assert _articles(modes["bm25"]) == _articles(retriever.retrieve_lexical(query, k=3))
    assert _articles(modes["hybrid"]) == _articles(retriever.retrieve(query, k=3))
    with pytest.raises(ValueError, match="unknown"):
        retriever.retrieve_modes(query, modes=("hybrid", "colbert"))


# --- filters -------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["retrieve", "retrieve_dense", "retrieve_lexical"])
def test_source_filter_applies_to_every_side(store: ChromaArticleStore, mode: str) -> None:
    retriever = HybridRetriever(store)
    hits = getattr(retriever, mode)(
        "bridge repair council library", k=5, filters=SearchFilters(sources=("Valley News",))
    )
    assert hits, "the filter left nothing"
    assert {h.passage.source for h in hits} == {"Valley News"}


@pytest.mark.parametrize("mode", ["retrieve", "retrieve_dense", "retrieve_lexical"])
def test_date_filters_are_inclusive_and_skip_undated(store: ChromaArticleStore, mode: str) -> None:
    retriever = HybridRetriever(store)
    query = "bridge repair ferry aground oak saplings library council"
    run = getattr(retriever, mode)
    after = run(query, k=10, filters=SearchFilters(published_after="2026-02-10"))
    assert set(_articles(after)) == {"bridge", "ferry"}  # the ferry is dated 2026-02-10 00:00
    before = run(query, k=10, filters=SearchFilters(published_before="2026-02-10"))
    assert set(_articles(before)) == {"ferry", "oaks"}  # the whole day counts; undated excluded
    window = run(
        query,
        k=10,
        filters=SearchFilters(
            published_after="2025-12-01T00:00:00Z", published_before="2026-03-01"
        ),
    )
    assert set(_articles(window)) == {"ferry"}


def test_filtered_lexical_search_is_not_starved_by_better_unfiltered_hits(
    tmp_path: Path, real_embeddings
) -> None:
    # 30 passages mention "turbine" three times from one publisher, one passage once from
    # another: a post-filter on a top-20 would lose it; scoring with the mask must not.
    docs = [
        _doc(f"wind{i}", 0, f"Turbine turbine turbine report number {i}.", title="Wind")
        for i in range(30)
    ]
    docs.append(_doc("lone", 0, "A turbine was installed.", title="Lone", source="Other Press"))
    store = _chroma(tmp_path, real_embeddings, "starve")
    _add(store, docs)
    retriever = HybridRetriever(store, lexical_candidates=20)
    hits = retriever.retrieve_lexical(
        "turbine", k=5, filters=SearchFilters(sources=("Other Press",))
    )
    assert _articles(hits) == ["lone"]
    assert _articles(
        retriever.retrieve("turbine", k=5, filters=SearchFilters(sources=("Other Press",)))
    ) == ["lone"]


def test_bad_dates_are_rejected() -> None:
    with pytest.raises(InvalidFilter):
        CompiledFilter.from_filters(SearchFilters(published_after="last tuesday"))
    with pytest.raises(InvalidFilter):
        CompiledFilter.from_filters(
            SearchFilters(published_after="2026-03-01", published_before="2026-01-01")
        )


def test_compiled_filter_where_clause() -> None:
    compiled = CompiledFilter.from_filters(
        SearchFilters(sources=("B", "A"), published_after="2026-01-01")
    )
    assert compiled.where() == {
        "$and": [
            {"source": {"$in": ["A", "B"]}},
            {"published_ts": {"$gte": int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())}},
        ]
    }
    assert CompiledFilter.from_filters(SearchFilters()).where() is None


# --- diversity and recency -----------------------------------------------------------------


def _long_article_docs() -> list[tuple[str, Document]]:
    docs = [
        _doc(
            "long",
            i,
            f"Quarterly budget figures for the city, part {i}: budget, budget.",
            title="City budget",
        )
        for i in range(6)
    ]
    docs += [
        _doc(f"short{i}", 0, f"A note on the city budget from reader {i}.", title=f"Letter {i}")
        for i in range(3)
    ]
    return docs


def _long_article_store(embeddings) -> InMemoryArticleStore:
    store = InMemoryArticleStore(embeddings)
    _add(store, _long_article_docs())
    return store


def test_hard_per_article_cap_demotes_further_passages(real_embeddings) -> None:
    store = _long_article_store(real_embeddings)
    query = "city budget figures"
    uncapped = HybridRetriever(store, max_per_article=None).retrieve(query, k=5)
    assert _articles(uncapped).count("long") >= 3  # the situation the cap exists for
    hard = HybridRetriever(store, max_per_article=2, over_cap_decay=0.0)
    capped = hard.retrieve(query, k=5)
    assert _articles(capped).count("long") == 2
    assert len(capped) == 5
    # with a filter leaving one article only, the demoted passages still fill k
    only = hard.retrieve(query, k=4, filters=SearchFilters(sources=("Harbour Gazette",)))
    assert len(only) == 4


def test_soft_per_article_cap_decays_each_further_passage(real_embeddings) -> None:
    store = _long_article_store(real_embeddings)
    query = "city budget figures"
    # The fused ranking: the cap multiplies each further passage's score by 0.8 once more.
    plain = HybridRetriever(store, max_per_article=None).retrieve_modes(query, 9, modes=("rrf",))
    plain_hits = plain["rrf"]
    assert len(plain_hits) == 9
    expected: dict[str, float] = {}
    seen: dict[str, int] = {}
    for hit in plain_hits:
        n = seen[hit.passage.article_id] = seen.get(hit.passage.article_id, 0) + 1
        expected[hit.passage.id] = hit.score * 0.8 ** max(0, n - 2)
    capped = HybridRetriever(store, max_per_article=2, over_cap_decay=0.8)
    soft = capped.retrieve_modes(query, 9, modes=("rrf",))["rrf"]
    assert {h.passage.id: h.score for h in soft} == pytest.approx(expected)
    assert [h.score for h in soft] == sorted((h.score for h in soft), reverse=True)
    assert _articles(soft)[:5].count("long") < _articles(plain_hits)[:5].count("long")
    # After the evidence rerank the cap applies again, to the reranker's scores (which spread
    # wider: here the long article's passages are clearly better and keep their places).
    reranked = capped.retrieve(query, k=9)
    assert len(reranked) == 9
    assert [h.score for h in reranked] == sorted((h.score for h in reranked), reverse=True)


def test_the_rerank_reads_the_best_fused_passages_the_cap_pushed_down(
    tmp_path: Path, real_embeddings
) -> None:
    # A long article on the question's subject fills the fused head; the per-article cap pushes
    # its further passages below the rerank's depth, where the one holding the answer may be.
    store = _chroma(tmp_path, real_embeddings, "long")
    _add(store, _long_article_docs())
    query = "city budget figures"
    plain = HybridRetriever(store, max_per_article=None)
    fused = plain.retrieve_modes(query, 9, modes=("rrf",))["rrf"][:4]
    assert _articles(fused).count("long") >= 3  # the situation this guards

    def reranked(rerank_fused: int) -> set[str]:
        retriever = HybridRetriever(
            store, max_per_article=1, rerank_depth=2, rerank_fused=rerank_fused
        )
        passages, features = retriever.rerank_features(query, k=1)
        assert len(features) == len(passages)
        return {p.id for p in passages}

    best_fused = {h.passage.id for h in fused}
    assert not best_fused <= reranked(0)
    assert best_fused <= reranked(4)


def test_prefer_recent_lifts_a_newer_near_duplicate(real_embeddings) -> None:
    store = InMemoryArticleStore(real_embeddings)
    _add(
        store,
        [
            _doc(
                "old",
                0,
                "Storm warning: the storm closes the coastal road tonight.",
                title="Storm warning storm",
                published="2025-01-05",
            ),
            _doc(
                "new",
                0,
                "Storm warning: the coastal road closes tonight.",
                title="Storm warning",
                published="2026-03-01",
            ),
            _doc(
                "other",
                0,
                "Markets rallied on strong earnings.",
                title="Markets",
                published="2026-03-02",
            ),
        ],
    )
    retriever = HybridRetriever(store)
    plain = retriever.retrieve("storm warning storm coastal road", k=2)
    assert _articles(plain)[0] == "old"  # more relevant on its own
    recent = retriever.retrieve(
        "storm warning storm coastal road", k=2, filters=SearchFilters(prefer_recent=True)
    )
    assert _articles(recent)[0] == "new"


# --- keeping the lexical index consistent with the store -----------------------------------


def test_index_is_rebuilt_when_the_generation_changes(tmp_path: Path, real_embeddings) -> None:
    data = tmp_path / "data"
    store = _chroma(tmp_path, real_embeddings)
    _add(store, CORPUS)
    write_state(data, {"generation": "g1"})
    retriever = HybridRetriever(store, data_dir=data, refresh_seconds=0, background_refresh=False)
    assert retriever.retrieve_lexical("glacier", k=3) == []
    _add(store, [_doc("glacier", 0, "The glacier retreated 300 metres.", title="Glacier")])
    # No new generation yet: the ingest has not finished, the old index keeps serving.
    assert retriever.retrieve_lexical("glacier", k=3) == []
    write_state(data, {"generation": "g2"})
    assert _articles(retriever.retrieve_lexical("glacier", k=3)) == ["glacier"]
    current = json.loads((data / "bm25" / "current.json").read_text())
    assert current["generation"] == "g2"
    assert [p.name for p in (data / "bm25").iterdir() if p.name.startswith("idx-")] == [
        current["dir"]
    ]


def test_background_rebuild_swaps_in_when_ready(tmp_path: Path, real_embeddings) -> None:
    data = tmp_path / "data"
    store = _chroma(tmp_path, real_embeddings)
    _add(store, CORPUS)
    write_state(data, {"generation": "g1"})
    retriever = HybridRetriever(store, data_dir=data, refresh_seconds=0)
    assert retriever.retrieve_lexical("glacier", k=3) == []
    _add(store, [_doc("glacier", 0, "The glacier retreated 300 metres.", title="Glacier")])
    write_state(data, {"generation": "g2"})
    retriever.retrieve_lexical("glacier", k=3)  # notices the change, rebuilds aside
    retriever.lexical.wait_for_refresh(timeout=60)
    assert _articles(retriever.retrieve_lexical("glacier", k=3)) == ["glacier"]


def test_persisted_index_is_loaded_not_rebuilt(
    tmp_path: Path, real_embeddings, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    store = _chroma(tmp_path, real_embeddings)
    _add(store, CORPUS)
    write_state(data, {"generation": "g1"})
    first = HybridRetriever(store, data_dir=data).retrieve_lexical("ferry aground", k=2)

    def no_build(*args, **kwargs):
        raise AssertionError("rebuilt although a persisted index for this generation exists")

    monkeypatch.setattr(LexicalIndex, "build", classmethod(no_build))
    again = HybridRetriever(store, data_dir=data).retrieve_lexical("ferry aground", k=2)
    assert [h.passage.id for h in again] == [h.passage.id for h in first]
    assert [h.score for h in again] == pytest.approx([h.score for h in first])


def test_persisted_index_of_another_store_is_not_trusted(tmp_path: Path, real_embeddings) -> None:
    data = tmp_path / "data"
    store = _chroma(tmp_path, real_embeddings)
    _add(store, CORPUS)
    write_state(data, {"generation": "g1"})
    HybridRetriever(store, data_dir=data).retrieve_lexical("ferry", k=2)
    other = _chroma(tmp_path, real_embeddings, "other")
    _add(other, [_doc("glacier", 0, "The glacier retreated 300 metres.", title="Glacier")])
    hits = HybridRetriever(other, data_dir=data).retrieve_lexical("glacier ferry", k=3)
    assert _articles(hits) == ["glacier"]


def test_without_data_dir_the_index_follows_the_passage_count(fake_embeddings) -> None:
    store = InMemoryArticleStore(fake_embeddings)
    _add(store, CORPUS)
    lexical = LexicalRetriever(store, refresh_seconds=0, background_refresh=False)
    assert lexical.retrieve("glacier", k=3) == []
    _add(store, [_doc("glacier", 0, "The glacier retreated 300 metres.", title="Glacier")])
    assert _articles(lexical.retrieve("glacier", k=3)) == ["glacier"]


class _SlowTokenizer(Tokenizer):
    """Makes a rebuild take long enough for readers to run during it."""

    def __call__(self, text: str) -> list[str]:
        time.sleep(0.002)
        return super().__call__(text)


def test_readers_never_see_a_half_built_index(fake_embeddings) -> None:
    store = InMemoryArticleStore(fake_embeddings)
    old = [_doc(f"z{i}", 0, f"zebra sighting {i}", title="Zebra") for i in range(40)]
    new = [_doc(f"y{i}", 0, f"zebra crossing {i}", title="Zebra") for i in range(60)]
    _add(store, old)
    lexical = LexicalRetriever(store, tokenizer=_SlowTokenizer(), refresh_seconds=3600)
    assert len(lexical.retrieve("zebra", k=500)) == 40
    _add(store, new)  # the store has 100 now; the index still 40 until the rebuild is swapped in

    seen: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:
        try:
            while not stop.is_set():
                seen.append(len(lexical.retrieve("zebra", k=500)))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    time.sleep(0.05)
    lexical.refresh()  # ~0.2 s of slow tokenizing while the readers keep querying
    time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    assert set(seen) == {40, 100}, sorted(set(seen))
    first_new = seen.index(100)
    assert seen[:first_new].count(40) > 5  # readers were served during the rebuild


# --- quality on a real slice of SQuAD -------------------------------------------------------


def test_hybrid_on_a_squad_slice(tmp_path: Path, real_embeddings) -> None:
    from bot.evaluation.retrieval import Dataset, Question, evaluate_retrieval

    squad = shared_eval_dir("squad-v1.1-dev")
    articles = {"Amazon_rainforest", "Construction", "Black_Death"}
    titles = {}
    for line in (squad / "corpus.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        if row["id"] in articles:
            titles[row["id"]] = row["title"]
    assert set(titles) == articles, "the slice's articles are missing from the corpus"
    docs = []
    for line in (squad / "passages.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        if row["article_id"] in articles:
            docs.append(
                _doc(
                    row["article_id"],
                    row["paragraph_index"],
                    row["text"],
                    title=titles[row["article_id"]],
                    source="Wikipedia",
                )
            )
    questions = []
    for line in (squad / "queries.dev.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        if row["article_id"] in articles:
            questions.append(
                Question(row["id"], row["question"], tuple(row["answers"]), row["article_id"])
            )
    questions = questions[::2]
    store = _chroma(tmp_path, real_embeddings, "squad")
    _add(store, docs)
    dataset = Dataset("slice", squad, squad / "corpus.jsonl", "dev", tuple(questions), {})
    results = evaluate_retrieval(HybridRetriever(store), dataset)
    hybrid, dense, bm25 = results["hybrid"], results["dense"], results["bm25"]
    assert hybrid["n"] == len(questions) >= 100
    for metric in ("hits@5", "hits@10", "mrr@10"):
        assert hybrid[metric] >= max(dense[metric], bm25[metric]) - 0.01, (metric, results)
    # measured here: hybrid 0.971 / 0.933, dense 0.956 / 0.822, BM25 0.941 / 0.909
    assert hybrid["hits@5"] >= 0.93 and hybrid["mrr@10"] >= 0.85, results
    # the evidence rerank puts the answering passage first more often than fusion alone
    assert hybrid["hits@1"] > results["rrf"]["hits@1"] + 0.02, results
    assert hybrid["mrr@10"] > results["rrf"]["mrr@10"], results


# --- evidence rerank -------------------------------------------------------------------------


class _NoSentenceVectors:
    """A store keeping no sentence vectors (no ``passage_vectors``); the rest is delegated."""

    def __init__(self, store: ChromaArticleStore) -> None:
        self._store = store
        self.embeddings = store.embeddings

    def __getattr__(self, name: str):
        if name == "passage_vectors":
            raise AttributeError(name)
        return getattr(self._store, name)


def test_a_store_without_sentence_vectors_gets_the_fused_ranking(store) -> None:
    retriever = HybridRetriever(_NoSentenceVectors(store))
    query = "How much did the bridge repair cost?"
    modes = retriever.retrieve_modes(query, k=4, modes=("hybrid", "rrf"))
    assert [(h.passage.id, h.score) for h in modes["hybrid"]] == [
        (h.passage.id, h.score) for h in modes["rrf"]
    ]


def test_rerank_features_are_relative_to_the_best_candidate(store) -> None:
    from bot.engine.retrieval.rerank import FEATURES

    retriever = HybridRetriever(store)
    passages, features = retriever.rerank_features("How much did the bridge repair cost?")
    assert len(passages) == store.count() == features.shape[0]
    assert features.shape[1] == len(FEATURES)
    column = dict(zip(FEATURES, features.T, strict=True))
    for name in ("dense", "sentence", "sentence_both"):
        assert column[name].max() == pytest.approx(0.0) and column[name].min() < 0
    assert column["bm25"].max() == pytest.approx(1.0) and column["bm25"].min() >= 0
    assert 0 < column["sentence_terms"].max() <= 1.0
    best = passages[int(column["sentence_terms"].argmax())]
    assert best.id == "bridge:1"  # "repair", "cost" and "bridge" stand in one of its sentences
    assert list(column["fused"]) == sorted(column["fused"], reverse=True)  # fused order kept


def test_candidate_features_read_the_best_sentence_not_the_passage() -> None:
    from bot.engine.retrieval.rerank import FEATURES, Candidate, candidate_features
    from vectorstore.base import Passage
    from vectorstore.sentences import PassageVectors

    def unit(*xs: float) -> np.ndarray:
        v = np.asarray(xs + (0.0,) * (4 - len(xs)), dtype=np.float32)
        return v / np.linalg.norm(v)

    query = unit(1, 0)

    def candidate(i: int, text: str, passage: np.ndarray, sentences: list[np.ndarray]):
        vectors = PassageVectors(
            Passage(f"a:{i}", "a", i, text, "T"),
            passage,
            tuple(text.split(". ")) if sentences else (),
            np.stack(sentences) if sentences else np.zeros((0, 4), dtype=np.float32),
        )
        return Candidate(f"a:{i}", i + 1, 2.0 - i, vectors)

    candidates = [
        # near the question as a whole, yet no sentence of it says what was asked
        candidate(0, "Bridge news. Crowds came", unit(1, 0.3), [unit(0.5, 1), unit(0.4, 1)]),
        # less near as a whole; one sentence is the answer
        candidate(1, "Toll news. Repair cost 40m", unit(1, 1), [unit(0, 1), unit(1, 0.05)]),
        # an old record without sentence vectors: counts as one sentence, itself
        candidate(2, "Old record text", unit(0.2, 1), []),
    ]
    idf = {"repair": 2.0, "cost": 1.0}
    features = candidate_features(
        query, ["repair", "cost"], idf, candidates, lambda s: s.lower().split(), 5
    )
    column = dict(zip(FEATURES, features.T, strict=True))
    assert column["dense"].argmax() == 0 and column["sentence"].argmax() == 1
    assert column["sentence"][1] == 0.0 and column["sentence"][0] < -0.1
    assert column["sentence_terms"].tolist() == [0.0, 1.0, 0.0]  # both terms in one sentence
    assert column["sentence_both"].argmax() == 1
    assert column["fused"].tolist() == [1 / 6, 1 / 7, 1 / 8]
    assert column["bm25"].tolist() == [1.0, 0.5, 0.0]


FLAT = np.asarray([1.0, 0.0], dtype=np.float32)  # one vector for query, passages and sentences


def _text_candidate(i: int, sentences: tuple[str, ...], title: str = "T"):
    """A rerank candidate whose vectors all equal ``FLAT``: only its words tell it apart."""
    from bot.engine.retrieval.rerank import Candidate
    from vectorstore.base import Passage
    from vectorstore.sentences import PassageVectors

    vectors = PassageVectors(
        Passage(f"a:{i}", "a", i, " ".join(sentences), title),
        FLAT,
        sentences,
        np.stack([FLAT] * len(sentences)),
    )
    return Candidate(f"a:{i}", i + 1, 1.0, vectors)


def test_candidate_features_read_whether_a_sentence_holds_the_kind_asked() -> None:
    from bot.engine.retrieval.rerank import FEATURES, candidate_features

    candidates = [
        _text_candidate(0, ("The bridge repair was approved.", "Crowds came to see it.")),
        _text_candidate(1, ("The bridge repair cost $40 million.", "It reopened.")),
    ]
    idf = {"bridge": 1.0, "repair": 1.0, "cost": 1.0}

    def typed(query: str) -> list[float]:
        features = candidate_features(
            FLAT, list(idf), idf, candidates, lambda s: s.lower().strip(".").split(), 5, query
        )
        return features[:, FEATURES.index("sentence_typed")].tolist()

    # "how much ... cost" asks for an amount: only the second passage states one
    assert typed("How much did the bridge repair cost?") == [0.0, pytest.approx(1.0)]
    assert typed("Tell me about the bridge repair") == [0.0, 0.0]  # asks for no kind


def test_candidate_features_weigh_the_question_words_the_title_does_not_hold() -> None:
    from bot.engine.retrieval.rerank import FEATURES, candidate_features

    title = "Lexus LC 500 convertible revealed"
    candidates = [
        # names the car again and again, says nothing of the roof
        _text_candidate(
            0, ("The LC 500 convertible is an open LC 500.", "The convertible is red."), title
        ),
        # the roof, and how fast it closes: what was asked
        _text_candidate(1, ("Its soft top can close in 16 seconds.", "Prices come later."), title),
        # an article whose title lacks the car: its words count as the question's focus there
        _text_candidate(2, ("The LC 500 convertible soft top.",), "Car news"),
    ]
    # The car's name is rare in the corpus, the roof's words common: by IDF alone, the name wins.
    idf = {"lc": 3.0, "500": 3.0, "convertible": 3.0, "soft": 1.0, "top": 1.0, "close": 1.0}
    features = candidate_features(
        FLAT, list(idf), idf, candidates, lambda s: s.lower().replace(".", "").split(), 5
    )
    column = dict(zip(FEATURES, features.T, strict=True))
    assert column["sentence_terms"][0] > column["sentence_terms"][1]
    assert column["passage_focus"][:2].tolist() == [0.0, pytest.approx(1.0)]
    # "close" missing: 3 x 3 + 1 + 1 of the 12 the question's terms weigh
    assert column["passage_focus"][2] == pytest.approx(11 / 12)


TRAM = [
    _doc("tram", i, text, title="Council approves new tram line", source="City Post")
    for i, text in enumerate(
        [
            "The council approved the new tram line on Tuesday after a long debate. The tram line "
            "will link the central station with the university campus. Council members from every "
            "party praised the tram plan.",
            "Construction starts next spring. The route is expected to carry 20,000 riders a day "
            "once services begin in 2029. Local shops fear months of roadworks.",
            "Opponents wanted electric buses instead, which they said would cost half as much.",
        ]
    )
]


def test_rerank_lifts_the_passage_whose_sentence_answers(tmp_path: Path, real_embeddings) -> None:
    # A casual question about the tram article: fusion prefers the passage that is most about
    # the tram line; the passage with the sentence that answers ("once services begin in 2029")
    # comes second. The rerank puts it first.
    store = _chroma(tmp_path, real_embeddings, "tram")
    _add(store, TRAM + CORPUS)
    retriever = HybridRetriever(store)
    modes = retriever.retrieve_modes("lol when can i actually ride that tram", 3)
    assert [h.passage.id for h in modes["rrf"]][:2] == ["tram:0", "tram:1"]
    assert modes["hybrid"][0].passage.id == "tram:1"
    assert 0 < modes["hybrid"][-1].score <= modes["hybrid"][0].score == 1.0
