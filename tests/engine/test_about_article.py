"""Questions about an article itself (byline, date, outlet), on a real Chroma store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from langchain_core.documents import Document

from bot.engine.about_article import answer_about_article, article_query, asked_field, byline
from bot.engine.answering import AnswerService
from bot.engine.models import Turn
from bot.engine.retrieval import HybridRetriever
from vectorstore.base import Hit, Passage
from vectorstore.chroma import ChromaArticleStore, make_client
from vectorstore.config import StoreSettings

from ..conftest import shared_eval_dir


def _doc(article: str, index: int, text: str, **meta: str) -> tuple[str, Document]:
    metadata = {"article_id": article, "passage_index": index, **meta}
    return f"{article}:{index}", Document(text, metadata=metadata)


KELP = {
    "title": "Kelp forests return to the cape",
    "source": "Coastal Ledger",
    "author": "Priya Nair",
    "published": "2026-04-03T07:30:00+00:00",
    "url": "https://ledger.example/kelp",
}
CORPUS = [
    _doc(
        "kelp",
        0,
        "Divers replanted twelve hectares of kelp off the northern cape this spring. "
        "The project was led by marine biologist Ana Ruiz.",
        **KELP,
    ),
    _doc(
        "kelp", 1, "Sea urchins had stripped the reef bare after a decade of warm summers.", **KELP
    ),
    _doc(
        "tram",
        0,
        "The city's new tram line opened with free rides for the first week. "
        "Transport chief Omar Haddad cut the ribbon.",
        title="Tram line opens downtown",
        source="Metro Daily",
        published="2026-05-11",
        url="https://metro.example/tram",
    ),
    _doc(
        "choir",
        0,
        "A school choir from the valley won the national youth contest in June.",
        title="Valley choir wins national contest",
        source="Valley News",
        author="Tom Becker",
        url="https://valley.example/choir",
    ),
]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, real_embeddings) -> ChromaArticleStore:
    root = tmp_path_factory.mktemp("about")
    settings = StoreSettings(_env_file=None, data_dir=root / "data")
    store = ChromaArticleStore(
        make_client(settings), real_embeddings, collection="about", model_name="minilm"
    )
    store.as_langchain().add_documents([d for _, d in CORPUS], ids=[i for i, _ in CORPUS])
    return store


@pytest.fixture(scope="module")
def service(store: ChromaArticleStore) -> AnswerService:
    return AnswerService(HybridRetriever(store), embeddings=store.embeddings)


# --- what is asked ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "field"),
    [
        ("who wrote the ledger piece on the kelp forests?", "author"),
        ("who's the author of that story about the tram?", "author"),
        ("who penned this op-ed on school choirs", "author"),
        ("when was the kelp article published?", "published"),
        ("what's the publication date of the tram story?", "published"),
        ("how old is that article on the choir?", "published"),
        ("which site ran the story about the tram line?", "source"),
        ("what outlet published the piece on the kelp replanting?", "source"),
        ("tl;dr of the kelp story?", "summary"),
        ("can you summarize the tram piece", "summary"),
        ("what's that column on the valley choir about?", "summary"),
        ("any news on the tram line?", "summary"),
        ("what happened with the tram line", "summary"),
        ("what's up with the kelp replanting?", "summary"),
        ("any updates on the valley choir?", "summary"),
        ("catch me up on the tram", "summary"),
        # About the text, not the article: the reader answers these.
        ("what did the story say about the cost of the tram?", None),
        ("who wrote the song the choir sang?", None),
        ("who wrote the letter the story mentions?", None),
        ("what publication printed an article about kelp in 1950?", None),
        ("when does the story take place?", None),
        ("when did the post office run out of stamps?", None),
        ("what's the writer's name for the new reef?", None),
        ("what happened to the tram's old depot?", None),
        ("what happened in 1950 to the kelp?", None),
    ],
)
def test_asked_field_reads_questions_about_an_article(question: str, field: str | None) -> None:
    assert asked_field(question) == field


def test_the_search_query_keeps_only_the_words_naming_the_article() -> None:
    assert article_query("when was the article on the kelp forests published?") == "kelp forests"
    assert article_query("who wrote the ledger piece lol") == "ledger"
    assert article_query("catch me up on the tram") == "tram"
    # a word of an asking phrase may name an article: only the phrase is left out
    assert article_query("who wrote the ledger piece on kelp catches?") == "ledger kelp catches"


# --- answers ---------------------------------------------------------------------------------


def test_the_byline_answers_who_wrote_an_article(service: AnswerService) -> None:
    answer = service.answer("who wrote the piece about the kelp forests coming back?")
    assert not answer.abstained
    assert answer.text.startswith("Priya Nair — the author of “Kelp forests return to the cape”")
    assert answer.extra["short_answer"] == "Priya Nair"
    # Not a name from the text ("Ana Ruiz"), and the citation is a real, verbatim passage.
    assert "Ana Ruiz" not in answer.text
    (citation,) = answer.citations
    assert citation.passage.article_id == "kelp"
    assert citation.quote in citation.passage.text
    assert "[1]" in answer.text


def test_the_date_and_the_outlet_come_from_the_articles_metadata(service) -> None:
    dated = service.answer("when was the tram line story published?")
    assert dated.text.startswith("2026-05-11 — the publication date of “Tram line opens downtown”")
    outlet = service.answer("which site ran the story on the valley choir?")
    assert outlet.text.startswith("Valley News — the publisher of")


def test_a_missing_byline_is_said_plainly(service: AnswerService) -> None:
    answer = service.answer("who wrote the article about the new tram line?")
    assert answer.abstained
    assert answer.text == (
        "The articles I have don't say who wrote “Tram line opens downtown” (Metro Daily, "
        "2026-05-11)."
    )
    assert "Omar Haddad" not in answer.text
    assert answer.sources and answer.sources[0].passage.article_id == "tram"


def test_an_article_the_corpus_lacks_gets_no_byline(service: AnswerService) -> None:
    answer = service.answer("who wrote the story about the volcano eruption in iceland?")
    assert "Priya Nair" not in answer.text and "Tom Becker" not in answer.text


def test_a_follow_up_in_a_thread_asks_about_the_article_just_cited(service) -> None:
    history = [
        Turn("user", "how many hectares of kelp did the divers replant?"),
        Turn("assistant", "twelve hectares — “Divers replanted twelve hectares of kelp” [1]"),
    ]
    answer = service.answer("and who wrote that article?", history=history)
    assert answer.extra.get("short_answer") == "Priya Nair"


def test_streaming_yields_the_same_metadata_answer(service: AnswerService) -> None:
    items = list(service.stream("who wrote the kelp story?"))
    final = items[-1]
    assert final.text.startswith("Priya Nair")
    assert items[0].text == final.text


def test_the_article_must_hold_the_rare_words_the_question_names() -> None:
    def hit(article: str, text: str, title: str) -> Hit:
        passage = Passage(f"{article}:0", article, 0, text, title, author="Someone")
        return Hit(passage, 1.0)

    hits = [
        hit("a", "The eruption of the volcano was filmed from a plane.", "Volcano erupts"),
        hit("b", "Kelp forests are coming back along the cape.", "Kelp returns"),
    ]
    # Neither article is about Iceland's geysers: no byline, whatever ranked first.
    assert answer_about_article("who wrote the story about geysers in iceland?", hits) is None
    # Common words ("coming back") may be missing; the rare ones ("kelp") must be there.
    fact = answer_about_article("who wrote the piece on the kelp coming back to life?", hits)
    assert fact is not None and fact.citation.passage.article_id == "b"


def test_the_answer_quotes_a_sentence_of_the_articles_opening_passage(tmp_path: Path) -> None:
    passage = Passage("a:3", "a", 3, "Later text. More.", "Title", author="Writer")
    opening = Passage("a:0", "a", 0, "First sentence here. Second one.", "Title", author="Writer")
    fact = answer_about_article(
        "who wrote the title piece?", [Hit(passage, 2.0), Hit(opening, 1.0)]
    )
    assert fact is not None
    assert fact.citation.passage.id == "a:0"
    assert fact.citation.quote == "First sentence here."


def test_the_gist_quotes_the_articles_opening_lines(service: AnswerService) -> None:
    answer = service.answer("tl;dr of the kelp story?")
    assert not answer.abstained
    assert answer.text.startswith(
        "“Kelp forests return to the cape” (Coastal Ledger, 2026-04-03), in its opening lines:\n"
        "“Divers replanted twelve hectares of kelp off the northern cape this spring.” [1]\n"
        "“The project was led by marine biologist Ana Ruiz.” [1]"
    )
    (citation,) = answer.citations
    assert citation.passage.id == "kelp:0" and citation.quote in citation.passage.text
    assert citation.passage.id in {h.passage.id for h in answer.sources}


def test_what_happened_with_a_story_is_answered_by_its_lead(service: AnswerService) -> None:
    answer = service.answer("so what happened with the kelp forests?")
    assert not answer.abstained
    assert "in its opening lines" in answer.text
    assert "Divers replanted twelve hectares of kelp" in answer.text


def test_the_gist_reads_the_opening_passage_from_the_store_when_not_retrieved() -> None:
    later = Passage("k:4", "k", 4, "Urchins are back in the bay. They eat kelp fast.", "Kelp")
    opening = Passage("k:0", "k", 0, "Kelp is thriving again on the cape, divers say.", "Kelp")
    fact = answer_about_article("summarize the kelp story", [Hit(later, 1.0)], {"k": opening}.get)
    assert fact is not None
    assert fact.citation.passage.id == "k:0"
    assert "Kelp is thriving again on the cape, divers say." in fact.text


def test_no_gist_from_a_story_that_only_mentions_the_subject_further_down() -> None:
    roundup = Passage(
        "r:0", "r", 0, "The year brought many new phones and laptops.", "Best of 2026"
    )
    later = Passage("r:3", "r", 3, "The Sonos Move is a portable speaker we liked.", "Best of 2026")
    fact = answer_about_article("tl;dr on the sonos move?", [Hit(later, 1.0)], {"r": roundup}.get)
    assert fact is None  # the reader answers instead


def test_with_a_chat_model_the_byline_still_comes_from_the_metadata(store) -> None:
    from langchain_core.language_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    model = GenericFakeChatModel(messages=iter([AIMessage(content="Ana Ruiz [1]")]))
    with_llm = AnswerService(HybridRetriever(store), llm=model, embeddings=store.embeddings)
    answer = with_llm.answer("who wrote the kelp story?")
    assert answer.extra["short_answer"] == "Priya Nair"
    assert next(model.messages).content == "Ana Ruiz [1]"  # the model was never asked


@pytest.mark.parametrize(
    ("stored", "outlet", "shown"),
    [
        ("Dana Whitfield; Harbour Gazette Staff Writer", "Harbour Gazette", "Dana Whitfield"),
        ("Example Media Group; Rui Okafor", "The Ledger", "Rui Okafor"),
        ("PAT LOWE; KIM ADEYEMI Associated Press", "Metro Daily", "Pat Lowe and Kim Adeyemi"),
        ("Analysis by Sam Ortiz; Ledger Editor-at-large", "The Ledger", "Sam Ortiz"),
        ("Jo Park; Jo K Park; Ledger", "Ledger", "Jo Park"),
        ("Ana Ruiz Tuesday; March", None, "Ana Ruiz"),
        ("May Okafor; June 3, 2026", "The Ledger", "May Okafor"),
        ("Lee Chan, MS, RD", None, "Lee Chan"),
        ("Marisol", "Pear Jam Diaries", "Marisol"),
        ("Editorial", "The Ledger", None),
        ("Ledger Staff", "The Ledger", None),
    ],
)
def test_the_byline_shows_the_people_not_the_outlet_or_their_roles(
    stored: str, outlet: str | None, shown: str | None
) -> None:
    assert byline(stored, outlet) == shown


def test_no_question_of_the_shared_sets_reads_as_one_about_an_article_itself() -> None:
    """news-dev and SQuAD ask about what articles say: none may be taken for a byline question."""
    asked = []
    for line in (shared_eval_dir("news-dev") / "questions.jsonl").read_text().splitlines():
        item = json.loads(line)
        asked += item.get("turns") or [item["question"]]
    squad = shared_eval_dir("squad-v1.1-dev") / "queries.dev.jsonl"
    asked += [json.loads(line)["question"] for line in squad.read_text().splitlines()]
    assert len(asked) > 7000
    assert [q for q in asked if asked_field(q) is not None] == []


@pytest.mark.parametrize(
    "question", ["who wrote the article?", "tl;dr", "when was this published?"]
)
def test_asked_about_no_article_in_particular_the_bot_asks_which(service, question) -> None:
    from bot.engine.prompts import WHICH_ARTICLE_TEXT

    answer = service.answer(question)
    assert answer.abstained and answer.text == WHICH_ARTICLE_TEXT
    assert answer.citations == ()


def test_the_outlet_the_question_names_wins_over_a_better_ranked_story() -> None:
    def hit(article: str, source: str, author: str) -> Hit:
        text = "The ferry strike ended after nine days of talks at the harbour."
        passage = Passage(f"{article}:0", article, 0, text, "Ferry strike ends", source=source)
        return Hit(
            Passage(**{**{s: getattr(passage, s) for s in Passage.__slots__}, "author": author}),
            1.0,
        )

    hits = [hit("a", "Metro Daily", "Ann Oduya"), hit("b", "Coastal Ledger", "Ben Marsh")]
    fact = answer_about_article("who wrote the coastal ledger piece on the ferry strike?", hits)
    assert fact is not None and fact.short_answer == "Ben Marsh"
    fact = answer_about_article("who wrote the piece on the ferry strike?", hits)
    assert fact is not None and fact.short_answer == "Ann Oduya"  # none named: the best ranked
