"""The extractive answerer for real: the sample corpus ingested into Chroma with MiniLM."""

from __future__ import annotations

import pytest

from bot.engine.answering import AnswerService
from bot.engine.extractive import FEATURES, ExtractiveAnswerer, overlaps
from bot.engine.models import Turn
from tests.conftest import EXAMPLES_DIR
from vectorstore.base import Hit, Passage

pytestmark = pytest.mark.slow
FEATURES_INDEX_DENSE = FEATURES.index("dense")


@pytest.fixture(scope="module")
def sample_services(tmp_path_factory, real_embeddings):
    from bot.engine.retrieval import HybridRetriever
    from ingest.config import IngestSettings
    from ingest.pipeline import run_ingest
    from vectorstore.chroma import ChromaArticleStore

    data = tmp_path_factory.mktemp("sample-corpus")
    settings = IngestSettings(_env_file=None, data_dir=data, collection="sample")
    store = ChromaArticleStore.from_settings(settings, real_embeddings)
    report = run_ingest([str(EXAMPLES_DIR / "corpus")], settings, store=store)
    assert store.count() > 10, report
    retriever = HybridRetriever(store, data_dir=data, background_refresh=False)
    reader = ExtractiveAnswerer.for_store(store)
    return AnswerService(retriever, fallback=reader, top_k=6)


def test_cited_answer_with_verbatim_quote(sample_services):
    answer = sample_services.answer("How much did the harbour bridge repair cost?")
    assert not answer.abstained, answer
    assert "40 million" in answer.text
    assert answer.citations
    first = answer.citations[0]
    assert first.n == 1 and "[1]" in answer.text
    assert "40 million" in first.quote
    assert first.quote in first.passage.text  # exact substring of the stored passage
    assert "bridge" in first.passage.title.lower()
    # the reply leads with the short answer, then quotes its sentence with the marker
    assert answer.text.startswith("40 million euros — “")
    assert answer.extra["short_answer"] == "40 million euros"
    for c in answer.citations:
        assert f"“{c.quote}” [{c.n}]" in answer.text


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How many passengers can the Aurora carry?", "150 passengers"),
        ("When does the 24-hour library pilot start?", "5 January 2027"),
        ("harbour bridge reopening date", "17 October 2026"),  # a keyword query
        ("library pilot cost", "310,000 euros"),
        ("How much money did Kelpwave raise?", "12 million euros"),
    ],
)
def test_other_answerable_questions(sample_services, question, expected):
    answer = sample_services.answer(question)
    assert not answer.abstained, answer.text
    assert expected in answer.text


@pytest.mark.parametrize(
    ("question", "short"),
    [
        # Reported speech without "that" is what was said.
        ("what did Asante say about the tests?", "early tests at two Portuguese ports had cut"),
        ("what did Lindqvist say?", "the idea came from students and shift workers"),
        ("who is Mirela Novak?", "Captain"),  # her role, before her name
        ("who is Ingrid Halvorsen?", "Mayor"),
    ],
)
def test_what_someone_said_and_who_someone_is_lead_the_answer(sample_services, question, short):
    answer = sample_services.answer(question)
    assert not answer.abstained, answer.text
    assert answer.extra["short_answer"].startswith(short)
    assert answer.text.startswith(short)


@pytest.mark.parametrize(
    "question",
    [
        "Who won the 1998 football World Cup final?",
        "What colour is the paint on the harbour bridge cables?",
    ],
)
def test_abstains_when_the_corpus_cannot_answer(sample_services, question):
    answer = sample_services.answer(question)
    assert answer.abstained, answer.text
    assert answer.citations == ()
    assert answer.sources  # the closest passages are still shown
    assert "don't contain" in answer.text


def test_follow_up_is_rewritten_with_history(sample_services):
    history = [
        Turn("user", "How much did the harbour bridge repair cost?"),
        Turn("assistant", "The repair cost exactly 40 million euros [1]."),
    ]
    answer = sample_services.answer("and when did it reopen?", history=history)
    assert "bridge" in answer.standalone_question.lower()
    assert not answer.abstained, answer.text
    assert "17 October 2026" in answer.text


SNIPPETS = [
    (
        "Harbour bridge to reopen Oct. 17 - Marrowick Courier",
        "The Saltmarket bridge will reopen to traffic on Oct. 17 after a 20-month closure ... "
        "Read more",
    ),
    (
        "Bridge repair overran",
        "Repairs cost €40 million, up from an estimate of €31m, officials said. Steel ...",
    ),
    (
        "Ferry Aurora enters service",
        "Skerryline's ferry Aurora, which carries up to 150 passengers, began service...",
    ),
]


@pytest.mark.parametrize(
    ("query", "short"),
    [
        ("harbour bridge reopening date", "Oct. 17"),
        ("bridge repair cost", "€40 million"),
        ("aurora ferry capacity", "up to 150 passengers"),
        ("who designed the bridge lights", None),  # no snippet says: abstain
    ],
)
def test_keyword_queries_over_short_noisy_snippets(real_embeddings, query, short):
    from vectorstore.base import Hit, Passage

    hits = [
        Hit(
            Passage(id=f"s{i}:0", article_id=f"s{i}", index=0, text=text, title=title),
            1.0 / (i + 1),
        )
        for i, (title, text) in enumerate(SNIPPETS)
    ]
    result = ExtractiveAnswerer(real_embeddings).compose(query, hits)
    if short is None:
        assert result.abstained
    else:
        assert not result.abstained and result.short_answer == short
        assert result.text.startswith(f"{short} — “")


def _read_one_passage(embeddings, question: str, title: str, text: str):
    """The reader's answer to ``question`` from one passage of our own."""
    from vectorstore.base import Hit, Passage

    hit = Hit(Passage(id="p:0", article_id="p", index=0, text=text, title=title), 1.0)
    return ExtractiveAnswerer(embeddings).compose(question, [hit])


def test_an_articles_own_question_is_never_quoted_as_the_answer(real_embeddings):
    text = (
        "Which ferry crosses the sound fastest? Skerryline's Aurora does, at 31 knots. "
        "The council had asked which ferry crosses the sound fastest?"
    )
    result = _read_one_passage(
        real_embeddings, "which ferry crosses the sound fastest?", "Ferries", text
    )
    assert not result.abstained
    assert all(not c.quote.rstrip().endswith("?") for c in result.citations)
    assert "Aurora does, at 31 knots" in result.text
    assert "?”" not in result.text


def test_a_date_counted_from_the_story_carries_the_day_it_ran(real_embeddings):
    from vectorstore.base import Hit, Passage

    text = (
        "Skerryline sacked its ferry captain Ina Berg last night after nine years at the helm. "
        "The company has not yet named a replacement."
    )
    passage = Passage(
        id="p:0", article_id="p", index=0, text=text, title="Skerryline sacks captain",
        published="2026-03-05T09:00:00+00:00",
    )  # fmt: skip
    result = ExtractiveAnswerer(real_embeddings).compose(
        "when did skerryline sack ina berg?", [Hit(passage, 1.0)]
    )
    assert not result.abstained, result
    assert result.text.startswith("last night (story of 2026-03-05) — “Skerryline sacked")
    assert result.short_answer == "last night"


def test_a_list_question_answered_in_prose_is_still_answered(real_embeddings):
    text = (
        "Captain Ina Berg joined Skerryline in 2019. Off duty she plays guitar and saxophone "
        "in a harbour band. The Aurora carries up to 150 passengers."
    )
    result = _read_one_passage(
        real_embeddings, "what instruments does captain ina berg play?", "Ina Berg", text
    )
    assert not result.abstained, result
    assert "guitar and saxophone" in result.text


def test_the_sentence_beside_a_restatement_leads_when_it_says_who(real_embeddings):
    # The closest sentence restates the question and names nobody new; the next one does.
    text = (
        "The Hawks beat the Rovers 2-0 on Tuesday to reach the cup final. "
        "Ina Berg scored twice for the home side. The stadium was sold out."
    )
    result = _read_one_passage(
        real_embeddings, "who scored when the hawks beat the rovers 2-0?", "Hawks reach final", text
    )
    assert not result.abstained, result
    assert result.short_answer == "Ina Berg"
    assert result.text.startswith("Ina Berg — “Ina Berg scored twice")


def test_overlapping_snippets_of_one_sentence_are_quoted_once(real_embeddings):
    from vectorstore.base import Hit, Passage

    texts = [
        "Nov 2, 2026 — ... The Saltmarket bridge will reopen to traffic on Oct. 17 after a "
        "20-month closure, the council said. Repairs ...",
        "Nov 2, 2026 — The Saltmarket bridge will reopen to traffic on Oct. 17 after a "
        "20-month closure ...",
    ]
    hits = [
        Hit(Passage(id=f"s{i}:0", article_id=f"s{i}", index=0, text=t, title="Bridge"), 1.0)
        for i, t in enumerate(texts)
    ]
    result = ExtractiveAnswerer(real_embeddings).compose("when does the bridge reopen?", hits)
    assert not result.abstained and result.short_answer == "Oct. 17"
    quotes = [c.quote for c in result.citations]
    assert len(quotes) == len({q for q in quotes}), quotes
    assert not any(overlaps(a, b) for i, a in enumerate(quotes) for b in quotes[i + 1 :])
    assert all(not q.startswith(("Nov 2", "...")) for q in quotes)


def test_an_abbreviation_is_answered_by_its_long_form_even_from_a_weaker_sentence(
    real_embeddings,
):
    from vectorstore.base import Hit, Passage

    texts = [
        (
            "HBRP explained",
            "What the HBRP stands to gain is unclear. The HBRP stands firm on its budget, its "
            "director says. The HBRP stands apart from earlier schemes.",
        ),
        (
            "Council minutes",
            "Item 4: the Harbour Bridge Renewal Programme (HBRP) report was noted.",
        ),
    ]
    hits = [
        Hit(Passage(id=f"p{i}:0", article_id=f"p{i}", index=0, text=t, title=title), 1 / (i + 1))
        for i, (title, t) in enumerate(texts)
    ]
    reader = ExtractiveAnswerer(real_embeddings)
    question = "what does HBRP stand for?"
    scored = reader.score(reader.candidates(question, hits))
    assert "(HBRP)" not in scored[0].sentence  # the long form is not the likeliest sentence
    result = reader.compose(question, hits)
    assert not result.abstained, result.text
    assert result.short_answer == "Harbour Bridge Renewal Programme"
    assert result.text.startswith("Harbour Bridge Renewal Programme — “Item 4:")


def test_an_amount_question_is_answered_by_the_amount_not_the_restatement(real_embeddings):
    """The sentence that restates the question's subject must not win over the one with the
    amount (by score or by hand-off, see the hand-off tests below)."""
    from vectorstore.base import Hit, Passage

    text = (
        "The tallest building in the Marrowick skyline is the Saltmarket Tower, built in the "
        "old harbour district as the Courier Building. It has a height of 188 m and 42 floors. "
        "Ferries to the islands leave from the quay below it."
    )
    reader = ExtractiveAnswerer(real_embeddings)
    question = "how tall is the saltmarket tower?"
    hits = [Hit(Passage(id="p:0", article_id="p", index=0, text=text, title="Skyline"), 1.0)]
    result = reader.compose(question, hits)
    assert not result.abstained, result.text
    assert result.short_answer == "188 m"
    assert "It has a height of 188 m" in result.text


def _candidate(index: int, sentence: str, probability: float, *, typed: bool):
    """A scored sentence of passage 0 (its ``index``-th) that has the asked kind or lacks it."""
    from bot.engine.extractive import FEATURES, Candidate
    from bot.engine.text import Span

    features = [0.0] * len(FEATURES)
    features[FEATURES.index("type_found")] = float(typed)
    features[FEATURES.index("type_missing")] = float(not typed)
    span = Span(index * 100, index * 100 + len(sentence))
    return Candidate(0, span, sentence, tuple(features), probability)


@pytest.mark.parametrize(
    ("reach", "leads"),
    [(1, None), (2, "In the end, the Hawks lost 3-1.")],
)
def test_a_restating_lead_hands_off_past_one_more_restatement(reach, leads):
    # The two sentences closest to "what was the score of the hawks game on saturday?" restate
    # it; the third states the score.
    restates = _candidate(0, "The Hawks' cup run ended on Saturday night.", 0.40, typed=False)
    also = _candidate(1, "Berg said the Saturday game was their biggest.", 0.17, typed=False)
    states = _candidate(2, "In the end, the Hawks lost 3-1.", 0.09, typed=True)
    far = _candidate(3, "The Rovers had led 2-0 at half-time.", 0.09, typed=True)
    scored = [restates, also, states, far]
    answerer = ExtractiveAnswerer(handoff_ratio=0.2, handoff_reach=reach)
    chosen = answerer.select(scored, support=0.9, gated=True)
    if leads is None:
        assert chosen == []  # the asked-for score is out of reach: abstain, don't guess
    else:
        assert chosen[0].sentence == leads


def _reason_candidate(index: int, sentence: str, probability: float, *, focus: float = 0.3):
    """A scored sentence of passage 0 for a why-question; ``focus``: its question-focus share."""
    from dataclasses import replace

    cand = _candidate(index, sentence, probability, typed=False)
    features = list(cand.features)
    features[FEATURES.index("cov_focus_context")] = focus
    return replace(cand, features=tuple(features))


@pytest.mark.parametrize(
    ("support", "focus", "answered"),
    [(0.38, 0.3, True), (0.38, 0.0, False), (0.2, 0.3, False)],
)
def test_a_why_question_is_answered_by_a_stated_reason_despite_low_support(
    support, focus, answered
):
    # "why is the night ferry not running?": the answer shares few of its words, so support
    # reads low; a sentence saying "because" about the question's focus still answers it.
    stated = _reason_candidate(
        0, "The night ferry is idle because its only pilot retired.", 0.12, focus=focus
    )
    other = _reason_candidate(1, "Ferries have crossed the sound since 1911.", 0.05)
    answerer = ExtractiveAnswerer(threshold=0.45, reason_floor=0.3)
    chosen = answerer.select([stated, other], support=support, reason=True)
    assert [c.sentence for c in chosen] == ([stated.sentence] if answered else [])
    # Not a why-question: the same low support abstains.
    assert answerer.select([stated, other], support=support) == []


@pytest.mark.parametrize(("probability", "leads"), [(0.2, "stated"), (0.1, "weak")])
def test_a_stated_reason_leads_a_why_answer_when_it_scores_near_the_best(probability, leads):
    weak = _reason_candidate(0, "As fares rose, the night ferry ran on and off.", 0.3)
    stated = _reason_candidate(
        1, "The night ferry stopped due to a shortage of pilots.", probability
    )
    chosen = ExtractiveAnswerer(gate_ratio=0.5).select([weak, stated], support=0.9, reason=True)
    assert chosen[0] is (stated if leads == "stated" else weak)


class _CountingEmbeddings:
    """The real model, counting the sentences it is asked to embed."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.embedded: list[str] = []

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.embedded.extend(texts)
        return self.inner.embed_documents(texts)


@pytest.mark.parametrize(
    "question",
    ["How much did the harbour bridge repair cost?", "When does the 24-hour library pilot start?"],
)
def test_stored_sentence_vectors_stand_in_for_embedding_at_answer_time(
    sample_services, real_embeddings, question
):
    """The reader reads the vectors ingest stored: (almost) nothing is embedded per question,
    and the similarities are those of embedding each sentence under its title now."""
    hits = sample_services.retriever.retrieve(question, k=6)
    store = sample_services.retriever.store
    counting = _CountingEmbeddings(real_embeddings)
    stored = ExtractiveAnswerer(counting, stored_vectors=store.passage_vectors)
    fresh = ExtractiveAnswerer(real_embeddings)
    from_store = stored.candidates(question, hits)
    embedded = fresh.candidates(question, hits)
    assert [c.sentence for c in from_store] == [c.sentence for c in embedded]
    assert len(counting.embedded) <= len(from_store) // 10, counting.embedded
    dense = FEATURES_INDEX_DENSE
    for a, b in zip(from_store, embedded, strict=True):
        assert a.features[dense] == pytest.approx(b.features[dense], abs=0.01), a.sentence


def test_a_store_that_fails_to_give_vectors_costs_speed_not_the_answer(
    sample_services, real_embeddings
):
    def broken(ids):
        raise ConnectionError("chroma server went away")

    question = "How much did the harbour bridge repair cost?"
    hits = sample_services.retriever.retrieve(question, k=6)
    result = ExtractiveAnswerer(real_embeddings, stored_vectors=broken).compose(question, hits)
    assert not result.abstained and "40 million" in result.text


def test_a_sentence_split_finer_than_ingest_reads_the_stored_sentence_around_it():
    import numpy as np

    from bot.engine.extractive import _stored_vector
    from vectorstore.base import Passage
    from vectorstore.sentences import PassageVectors

    rows = np.eye(3, dtype=np.float32)
    stored = PassageVectors(
        Passage(id="p:0", article_id="p", index=0, text="unused", title="Pier"),
        rows[0],
        ("The pier opened in 1901 (see p. 4) and closed in 1950.", "Tolls rose."),
        rows[1:],
    )
    assert np.array_equal(_stored_vector(stored, " Tolls rose. "), rows[2])
    assert np.array_equal(_stored_vector(stored, "4) and closed in 1950."), rows[1])
    assert _stored_vector(stored, "A sentence ingest never saw.") is None
    assert _stored_vector(None, "Tolls rose.") is None


@pytest.mark.parametrize(
    ("support", "probability", "leads"),
    [(0.9, 0.03, "named"), (0.9, 0.01, "echo"), (0.35, 0.03, "named"), (0.2, 0.03, None)],
)
def test_a_question_asking_what_something_is_called_is_answered_by_the_name(
    support, probability, leads
):
    # "what does the skipper call the night crossing?": the sentence that repeats its words
    # scores far above the one that gives the name, which shares none of them.
    question = "what does the skipper call the night crossing?"
    echo = _candidate(0, "The skipper has made the night crossing for years.", 0.5, typed=False)
    named = _candidate(1, "He calls it “the long dark”.", probability, typed=False)
    answerer = ExtractiveAnswerer(threshold=0.45, reason_floor=0.3, name_ratio=0.05)
    chosen = answerer.select([echo, named], support=support, named=question)
    expected = {"named": named, "echo": echo, None: None}[leads]
    assert (chosen[0] if chosen else None) is expected


@pytest.mark.parametrize(
    ("question", "probability", "leads"),
    [
        ("which three ferries did the council buy?", 0.05, "listed"),  # the count asked for
        ("which ferries did the council buy?", 0.05, "echo"),
        ("which ferries did the council buy?", 0.15, "listed"),
    ],
)
def test_a_list_question_is_answered_by_the_sentence_holding_the_list(question, probability, leads):
    # The sentence repeating the question's words scores far above the list, which holds names.
    echo = _candidate(0, "The council bought ferries for the island routes.", 0.5, typed=False)
    listed = _candidate(1, "It chose the Osprey, the Tern and the Gannet.", probability, typed=True)
    answerer = ExtractiveAnswerer(handoff_ratio=0.2, name_ratio=0.05)
    chosen = answerer.select([echo, listed], support=0.9, listed=answerer.list_ratio(question))
    assert chosen[0] is (listed if leads == "listed" else echo)


def test_what_someone_said_is_answered_by_the_saying_not_the_one_the_question_echoes(
    real_embeddings,
):
    from vectorstore.base import Hit, Passage

    text = (
        "The mayor told the story at a council meeting on Tuesday. "
        "Crews had warned him about the winter timetable. "
        "They said, ‘The ferries can’t run in a gale.’ "
        "I said, ‘Tell them to buy bigger boats.’ "
        "The council has not yet ordered any boats."
    )
    hits = [Hit(Passage(id="a:0", article_id="a", index=0, text=text, title="Ferry timetable"), 1)]
    result = ExtractiveAnswerer(real_embeddings).compose(
        "what did the mayor tell the crews to say when they said ferries can't run in a gale?", hits
    )
    assert not result.abstained
    assert result.short_answer == "Tell them to buy bigger boats."
    assert result.citations[0].quote == "I said, ‘Tell them to buy bigger boats.’"


def test_who_is_someone_is_answered_with_what_they_are_not_another_name(real_embeddings):
    from vectorstore.base import Hit, Passage

    text = (
        "The new timetable was presented on Monday by Ina Berg and the mayor, Tom Reid. "
        "Ina Berg, a former ferry captain, has chaired the harbour board since 2019. "
        "Reid said the changes would start in spring."
    )
    hits = [Hit(Passage(id="a:0", article_id="a", index=0, text=text, title="Ferry timetable"), 1)]
    result = ExtractiveAnswerer(real_embeddings).compose("who is ina berg?", hits)
    assert not result.abstained
    assert result.short_answer == "a former ferry captain"
    assert result.text.startswith("a former ferry captain — “Ina Berg, a former ferry captain")


def test_who_is_she_after_a_named_answer_says_what_she_is(sample_services):
    first = sample_services.answer("who captains the Aurora?")
    assert first.text.startswith("Captain Mirela Novak — ")
    history = [Turn("user", "who captains the Aurora?"), Turn("assistant", first.text)]
    answer = sample_services.answer("who is she?", history=history)
    assert answer.extra["short_answer"] == "who has sailed the route for 14 years"


def test_support_reads_a_near_tied_sentence_holding_the_kind_asked_as_the_best():
    """Abstention must not flip on a near-tie between a restatement and the answer."""
    from bot.engine.extractive import Candidate
    from bot.engine.text import Span

    def candidate(sentence: str, probability: float, typed: bool) -> Candidate:
        features = [0.5] * len(FEATURES)
        features[FEATURES.index("type_found")] = 1.0 if typed else 0.0
        features[FEATURES.index("type_missing")] = 0.0 if typed else 1.0
        return Candidate(0, Span(0, len(sentence)), sentence, tuple(features), probability)

    reader = ExtractiveAnswerer()
    restates = candidate("Wales beat Hungary 2-0 on Tuesday.", 0.265, typed=False)
    answers = candidate("Aaron Ramsey scored twice for Wales.", 0.246, typed=True)
    other = candidate("The draw is in Bucharest.", 0.1, typed=False)
    as_best = reader.support([answers, restates, other])
    assert reader.support([restates, answers, other]) == pytest.approx(as_best)
    # Not a near-tie (under 0.9 of the best): the best sentence's own features stand.
    far = candidate("Aaron Ramsey scored twice for Wales.", 0.2, typed=True)
    assert reader.support([restates, far, other]) != pytest.approx(
        reader.support([far, restates, other])
    )


def _story(article: str, title: str, text: str, index: int = 0) -> Hit:
    return Hit(
        Passage(id=f"{article}:{index}", article_id=article, index=index, text=text, title=title),
        1.0,
    )


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("how old is kevin king?", [("kevin", "king")]),  # lower case, as the story writes it
        ("How old is Kevin King?", [("kevin", "king")]),
        ("kevin king age", [("kevin", "king")]),
        ("when were Kevin King, Timothy Weeks freed", [("kevin", "king"), ("timothy", "weeks")]),
        ("how many people were freed?", []),
        # words on either side of punctuation are no name, whatever the story capitalises
        ("what did the 'meth, we're on it' ads cost?", []),
        # a first word the story also writes in lower case makes a term, not someone's name;
        # a single word it writes capitalised mid-sentence, never in lower case, is a name
        ("how long did Western Europe back the deal?", [("europe",)]),
        ("were any americans freed?", []),  # "American" opens its sentence
        ("when was king freed", [("king",)]),
    ],
)
def test_the_names_a_question_gives(question, names):
    from bot.engine.extractive import named_in_question

    hits = [
        _story(
            "t",
            "Hostages freed",
            "American Kevin King and Australian Timothy Weeks were freed. Meth. We're On It. "
            "Western Europe backed the deal, and western diplomats welcomed it.",
        )
    ]
    assert named_in_question(question, hits) == names


def test_an_age_from_a_story_about_someone_else_does_not_answer(real_embeddings):
    """The story naming Kevin King states no age, so a stranger's age is no answer."""
    mali = _story(
        "mali",
        "Aid worker freed in Mali",
        "A 57-year-old professor held hostage for three years was freed on Tuesday, police said.",
    )
    swap = _story(
        "swap",
        "Two professors freed in prisoner swap",
        "American Kevin King and Australian Timothy Weeks, both professors, were freed on "
        "Tuesday after three years as hostages. King had been held since 2016.",
    )
    reader = ExtractiveAnswerer(real_embeddings)
    assert reader.compose(
        "how old is kevin king, the freed hostage professor?", [mali, swap]
    ).abstained
    # Asked about no one by name, the Mali story answers; asked about the man it names in
    # another of its passages, too: a story is read whole (its other passages say "he").
    for question in (
        "how old is the freed hostage professor?",
        "how old is ed marsh, the freed hostage professor?",
    ):
        named = _story("mali", "Aid worker freed in Mali", "Officials named him as Ed Marsh.", 1)
        answer = reader.compose(question, [mali, swap, named])
        assert not answer.abstained, question
        assert answer.short_answer == "57-year-old"


def test_a_place_the_question_names_sets_aside_stories_that_do_not_name_it(real_embeddings):
    """Asked about a stabbing in Hayward, an age from a stabbing in Berlin is no answer."""
    berlin = _story(
        "berlin",
        "Doctor stabbed to death in Berlin",
        "A doctor was stabbed to death during a talk at a clinic in Berlin. Police arrested a "
        "57-year-old man suspected of the attack.",
    )
    hayward = _story(
        "hayward",
        "Man stabbed to death on train",
        "A man was stabbed to death on a BART train pulling into a station in Hayward on "
        "Tuesday. Police have not released his name.",
    )
    reader = ExtractiveAnswerer(real_embeddings)
    answer = reader.compose(
        "how old was the man who got stabbed to death on the bart train in hayward?",
        [hayward, berlin],
    )
    assert answer.abstained
    answer = reader.compose("how old was the man arrested for the stabbing?", [hayward, berlin])
    assert not answer.abstained
    assert answer.short_answer == "57-year-old"


@pytest.mark.parametrize(
    ("sentence", "answers"),
    [
        # a rival is no winner: the sentence must say that someone won
        ("Van Der Beek was voted off on Monday in a tight race against singer Ally Brooke.", False),
        ("On Monday, singer Ally Brooke won the dance contest, beating Van Der Beek.", True),
        ("The dance contest title went to singer Ally Brooke on Monday.", True),
    ],
)
def test_who_won_is_answered_only_by_a_sentence_that_says_someone_won(
    real_embeddings, sentence, answers
):
    hit = _story("dance", "Dance contest final", sentence)
    answer = ExtractiveAnswerer(real_embeddings).compose("who won the dance contest?", [hit])
    assert answer.abstained is not answers
    if answers:
        assert answer.short_answer == "Ally Brooke"


def test_a_what_question_leads_with_the_name_beside_its_noun(real_embeddings):
    hit = _story(
        "plague",
        "Plague case confirmed",
        "A hunter caught the plague after eating a wild rabbit. The plague is one of three "
        "diseases caused by the Yersinia pestis bacterium, health officials said.",
    )
    result = ExtractiveAnswerer(real_embeddings).compose("what bacterium causes the plague?", [hit])
    assert not result.abstained
    assert result.short_answer == "Yersinia pestis"
    assert result.text.startswith("Yersinia pestis — “The plague is one of three diseases")


def test_setting_stories_aside_never_makes_the_passages_read_as_a_stronger_answer():
    """With a stranger's story set aside the best sentence has a wider margin; support stays."""

    class Reader(ExtractiveAnswerer):
        def support(self, scored):  # reads higher the fewer the sentences, as a margin would
            return 0.9 if len(scored) == 1 else 0.3

    hits = [
        _story("mali", "Aid worker freed in Mali", "A 57-year-old professor was freed on Tuesday."),
        _story("swap", "Two professors freed", "American Kevin King was freed on Tuesday."),
    ]
    reader = Reader()
    result = reader.compose("how old is kevin king?", hits)
    assert result.abstained and result.support == 0.3


def test_setting_aside_stories_below_the_best_sentence_leaves_its_support_as_read():
    """The best sentence stays: the support model reads the sentences it was fitted on."""

    class Reader(ExtractiveAnswerer):
        def support(self, scored):  # reads lower the fewer the sentences, as a maximum would
            return 0.9 if len(scored) > 1 else 0.3

    hits = [
        _story("swap", "Two professors freed", "Kevin King, 63, was freed on Tuesday."),
        _story("mali", "Aid worker freed in Mali", "A 57-year-old professor was freed on Tuesday."),
    ]
    result = Reader().compose("how old is kevin king?", hits)
    assert result.support == 0.9
