"""AnswerService without an LLM: validation, errors, abstention; follow-ups; LLM configuration."""

from __future__ import annotations

import re
import sys

import pytest
from langchain_core.documents import Document

from bot.config import BotSettings
from bot.engine.answering import AnswerService
from bot.engine.errors import QuestionRejected
from bot.engine.followup import needs_context, rewrite_heuristic, rewrite_question
from bot.engine.llm import make_chat_model
from bot.engine.models import Answer, AnswerDelta, SearchFilters, Turn
from bot.engine.prompts import says_not_found
from bot.engine.retrieval import HybridRetriever
from vectorstore.base import META_ARTICLE_ID, META_INDEX, META_TITLE, Hit
from vectorstore.errors import ConfigError, VectorStoreUnavailable
from vectorstore.memory import InMemoryArticleStore


def service(store, **kwargs) -> AnswerService:
    return AnswerService(DenseRetriever(store), embeddings=store.embeddings, **kwargs)


class DenseRetriever:
    """A tiny retriever over ``store.search`` (the production one is hybrid)."""

    def __init__(self, store) -> None:
        self.store = store

    def retrieve(self, query: str, k: int = 10, filters: SearchFilters | None = None) -> list[Hit]:
        return self.store.search(query, k=k)


class DownRetriever:
    def retrieve(self, query, k=10, filters=None):
        raise VectorStoreUnavailable("cannot reach the Chroma server at 127.0.0.1:9")


@pytest.fixture
def store(real_embeddings):
    store = InMemoryArticleStore(real_embeddings)
    texts = {
        "bridge": "The harbour bridge repair cost 40 million euros. It reopened in October.",
        "ferry": "The shuttle ferry carried 1.3 million passengers during the closure.",
    }
    store.as_langchain().add_documents(
        [
            Document(t, metadata={META_ARTICLE_ID: a, META_INDEX: 0, META_TITLE: a.title()})
            for a, t in texts.items()
        ],
        ids=[f"{a}:0" for a in texts],
    )
    return store


def test_extractive_answer_through_the_service(store):
    svc = service(store, top_k=2)
    answer = svc.answer("How much did the harbour bridge repair cost?")
    assert svc.answerer_name == "extractive"
    assert not answer.abstained
    assert "40 million euros" in answer.text
    assert answer.citations[0].quote in answer.citations[0].passage.text
    assert answer.standalone_question == answer.question


def test_a_typo_is_read_as_the_corpus_word_before_retrieval_and_reading(store):
    svc = AnswerService(HybridRetriever(store), embeddings=store.embeddings, top_k=2)
    asked = "How much did the harbour brigde repiar cost?"
    answer = svc.answer(asked)
    assert not answer.abstained
    assert "40 million euros" in answer.text
    assert answer.question == asked  # the user's words, as typed
    assert answer.standalone_question == "How much did the harbour bridge repair cost?"
    assert svc.search("brigde repiar", k=1)[0].passage.article_id == "bridge"


def test_a_shouted_question_with_chat_around_it_is_read_as_meant(store):
    asked = "HEY, QUICK QUESTION: HOW MUCH DID THE HARBOUR BRIDGE REPAIR COST? THANKS!"
    answer = service(store, top_k=2).answer(asked)
    assert not answer.abstained
    assert "40 million euros" in answer.text
    assert answer.question == asked
    assert answer.standalone_question == "how much did the harbour bridge repair cost?"


def test_stream_without_llm_yields_the_text_then_the_answer(store):
    items = list(service(store).stream("How much did the repair cost?"))
    assert [type(i) for i in items] == [AnswerDelta, Answer]
    assert items[0].text == items[1].text


@pytest.mark.parametrize("question", ["", "   ", "x" * 501])
def test_empty_or_too_long_questions_are_rejected(store, question):
    svc = service(store, max_question_chars=500)
    with pytest.raises(QuestionRejected):
        svc.answer(question)
    with pytest.raises(QuestionRejected):
        list(svc.stream(question))


def test_a_question_at_the_limit_is_accepted(store):
    svc = service(store, max_question_chars=50)
    assert svc.answer("What did the ferry carry during the closure? " + "x" * 4).question


def test_store_unavailable_propagates_as_a_footnote_error():
    with pytest.raises(VectorStoreUnavailable):
        AnswerService(DownRetriever()).answer("Anything?")


def test_empty_corpus_abstains():
    answer = AnswerService(DenseRetriever(InMemoryArticleStore(_zero()))).answer("Anything?")
    assert answer.abstained and answer.sources == () and answer.citations == ()


def _zero():
    from langchain_core.embeddings import DeterministicFakeEmbedding

    return DeterministicFakeEmbedding(size=8)


def test_unsupported_question_abstains_with_closest_sources(store):
    answer = service(store, top_k=2).answer("Who composed the national anthem of Peru?")
    assert answer.abstained
    assert len(answer.sources) == 2
    assert "don't contain" in answer.text


def test_search_returns_ranked_hits(store):
    hits = service(store).search("ferry passengers", k=1)
    assert len(hits) == 1


# --- follow-ups ---------------------------------------------------------------------------------

HISTORY = [
    Turn("user", "How much did the harbour bridge repair cost?"),
    Turn("assistant", "The repair cost exactly 40 million euros [1]."),
]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("and when was that?", True),
        ("Who paid for it?", True),
        ("What about the ferry?", True),
        ("How many passengers did the Marrowick shuttle ferry carry?", False),
    ],
)
def test_needs_context(question, expected):
    assert needs_context(question) is expected


def test_heuristic_rewrite_adds_the_previous_questions_key_terms():
    rewritten = rewrite_heuristic("and when was that?", HISTORY)
    assert rewritten.startswith("When was that?")
    for word in ("harbour", "bridge", "repair", "cost"):
        assert word in rewritten


def test_standalone_questions_are_left_alone():
    q = "How many passengers did the Marrowick shuttle ferry carry?"
    assert rewrite_question(q, HISTORY) == q
    assert rewrite_question("and when was that?", []) == "and when was that?"


def test_follow_up_through_the_service_records_the_standalone_question(store):
    answer = service(store, top_k=2).answer("and when did it reopen?", history=HISTORY)
    assert answer.question == "and when did it reopen?"
    assert "bridge" in answer.standalone_question and "reopen" in answer.standalone_question


def test_a_follow_up_borrows_the_earlier_question_without_its_chat(store):
    history = [
        Turn("user", "hey, quick question: how much did the harbour bridge repair cost? thanks!"),
        Turn("assistant", "40 million euros — “The repair cost 40 million euros.” [1]"),
    ]
    answer = service(store, top_k=2).answer("ok and when did it reopen?", history=history)
    standalone = answer.standalone_question.lower()
    assert "bridge" in standalone and "reopen" in standalone
    assert not {"hey", "quick", "question", "thanks", "ok"} & set(re.findall(r"\w+", standalone))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NOT_IN_PASSAGES", True),
        ("The passages do not contain the answer.", True),
        ("I cannot answer this question based on the provided passages.", True),
        ("The repair cost 40 million euros [1].", False),
    ],
)
def test_says_not_found(text, expected):
    assert says_not_found(text) is expected


# --- LLM configuration ----------------------------------------------------------------------


def test_no_llm_configured_means_extractive():
    assert make_chat_model(BotSettings(_env_file=None)) is None


def test_base_url_gives_an_openai_compatible_client(monkeypatch):
    monkeypatch.setenv("FOOTNOTE_LLM_BASE_URL", "http://127.0.0.1:8080/v1")
    monkeypatch.setenv("FOOTNOTE_LLM_TIMEOUT", "12")
    llm = make_chat_model(BotSettings(_env_file=None))
    from langchain_openai import ChatOpenAI

    assert isinstance(llm, ChatOpenAI)
    assert llm.model_name == "local"
    assert llm.request_timeout == 12
    assert llm.openai_api_key.get_secret_value() == "not-needed"
    assert str(llm.openai_api_base).startswith("http://127.0.0.1:8080")


def test_provider_spec_goes_through_init_chat_model(monkeypatch):
    monkeypatch.setenv("FOOTNOTE_LLM", "openai:gpt-4o-mini")
    monkeypatch.setenv("FOOTNOTE_LLM_API_KEY", "sk-test")
    llm = make_chat_model(BotSettings(_env_file=None))
    assert llm.model_name == "gpt-4o-mini"
    assert llm.openai_api_key.get_secret_value() == "sk-test"


def test_missing_provider_package_names_the_pip_extra(monkeypatch):
    monkeypatch.setenv("FOOTNOTE_LLM", "anthropic:claude-sonnet")
    real_find_spec = __import__("importlib.util").util.find_spec

    def find_spec(name, *args, **kwargs):
        return None if name == "langchain_anthropic" else real_find_spec(name, *args, **kwargs)

    monkeypatch.setattr("importlib.util.find_spec", find_spec)
    with pytest.raises(ConfigError, match=r"pip install 'footnote-bot\[anthropic\]'"):
        make_chat_model(BotSettings(_env_file=None))


@pytest.mark.parametrize("spec", ["gpt-4o-mini", "openai:"])
def test_malformed_llm_spec_is_a_config_error(monkeypatch, spec):
    monkeypatch.setenv("FOOTNOTE_LLM", spec)
    with pytest.raises(ConfigError, match="provider:model"):
        make_chat_model(BotSettings(_env_file=None))


def test_core_never_imports_discord():
    import subprocess

    code = (
        "import sys, bot.engine.answering, bot.wiring, bot.cli.ask, bot.evaluation.answers; "
        "assert 'discord' not in sys.modules, 'discord imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_two_part_question_never_shows_the_same_quote_twice(real_embeddings):
    store = InMemoryArticleStore(real_embeddings)
    text = (
        "The harbour bridge repair cost 40 million euros. "
        "The city paid the loan back to the lender in 2026. It reopened in October."
    )
    store.as_langchain().add_documents(
        [Document(text, metadata={META_ARTICLE_ID: "b", META_INDEX: 0, META_TITLE: "Bridge"})],
        ids=["b:0"],
    )
    answer = service(store).answer(
        "how much did the harbour bridge repair cost? did the city pay it back?"
    )
    assert len(answer.extra["parts"]) == 2
    assert "40 million euros" in answer.text and "paid the loan back" in answer.text
    quotes = [line.split("“", 1)[1] for line in answer.text.splitlines() if "“" in line]
    assert len(quotes) == len(set(quotes)), answer.text
    assert {c.n for c in answer.citations} == {1}


# A reply that led with a name, after the question it answered.
CAPTAIN_HISTORY = [
    Turn("user", "who is going to captain the new ferry?"),
    Turn("assistant", "Ina Berg — “Skerryline named Ina Berg as captain of the Aurora.” [1]"),
]


def test_heuristic_rewrite_resolves_a_pronoun_to_the_last_short_answer():
    history = CAPTAIN_HISTORY
    rewritten = rewrite_heuristic("has she sailed it before?", history)
    assert rewritten.startswith("Has she sailed it before? (Ina Berg")
    assert "captain" in rewritten and "ferry" in rewritten
    # an escaped reply (Markdown in Discord) and a reply without a short answer
    escaped = [history[0], Turn("assistant", "Ina\\_Berg — “Skerryline named her.” [1]")]
    assert "(Ina Berg" in rewrite_heuristic("has she sailed it before?", escaped)
    no_reply = rewrite_heuristic("has she sailed it before?", HISTORY[:1] + [history[0]])
    assert no_reply == "Has she sailed it before? (going captain new ferry)"


def test_who_is_she_after_a_name_asks_what_that_person_is():
    from bot.engine.answer_types import expected_type
    from bot.engine.followup import split_context

    history = CAPTAIN_HISTORY
    rewritten = rewrite_heuristic("and who's she?", history)
    assert rewritten.startswith("Who is Ina Berg? (")
    assert expected_type(split_context(rewritten)[0]) == "identity"
    # Without a name to point at, the pronoun stays and the context is appended as before.
    unnamed = [history[0], Turn("assistant", "“Skerryline named a captain.” [1]")]
    assert rewrite_heuristic("who is she?", unnamed).startswith("Who is she? (")


def test_a_short_question_naming_its_own_subject_is_no_follow_up():
    assert not needs_context("who is Ingrid Halvorsen?")
    assert needs_context("who is he?") and needs_context("what was the final score?")
    assert needs_context("and what about Halvorsen?")  # "and ..." continues
    assert rewrite_heuristic("who is Ingrid Halvorsen?", HISTORY) == "who is Ingrid Halvorsen?"


def test_a_rewrite_without_a_question_mark_still_separates_question_and_context():
    from bot.engine.followup import split_context

    history = [Turn("user", "who's going to captain the new ferry?")]
    rewritten = rewrite_heuristic("has she sailed it before? with whom", history)
    core, context = split_context(rewritten)
    assert core == "Has she sailed it before? with whom?"
    # "who's" asks; it is no context word (it would make the follow-up ask for a person)
    assert context.split() == ["going", "captain", "new", "ferry"]


def test_a_part_left_unanswered_is_named_as_the_user_asked_it(store):
    answer = service(store, top_k=2).answer(
        "how much did the harbour bridge repair cost, and who designed it?"
    )
    assert "40 million euros" in answer.text
    assert answer.extra["parts"][1].endswith(")")  # retrieval borrowed the first part's words
    assert answer.text.splitlines()[-1] == "The articles I have don't say: Who designed it?"


def test_a_follow_up_is_not_answered_with_the_last_quote_again(store):
    quote = "The harbour bridge repair cost 40 million euros."
    history = [
        Turn("user", "how much did the harbour bridge repair cost?"),
        Turn("assistant", f"40 million euros — “{quote}” [1]"),
    ]
    svc = service(store, top_k=2)
    assert svc.answer("who designed it?", history=history).abstained
    reopened = svc.answer("and when did it reopen?", history=history)
    assert reopened.extra["short_answer"] == "October"


def test_the_service_reads_its_answering_settings_in_one_place(store):
    settings = BotSettings(_env_file=None, top_k=1, max_question_chars=40)
    svc = AnswerService.from_settings(settings, DenseRetriever(store), llm=None)
    with pytest.raises(QuestionRejected):
        svc.answer("How much did the harbour bridge repair cost in the end, in euros?")
    answer = svc.answer("How much did the bridge repair cost?")
    assert len(answer.sources) == 1  # top_k
