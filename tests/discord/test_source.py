"""/source: by citation number, by id, by title with autocomplete."""

from __future__ import annotations

from tests.discord.harness import ADMIN_ID, MEMBER_ID, Harness


async def source(harness: Harness, query: str, user_id: int = MEMBER_ID):
    payload = harness.slash("source", query=query, user_id=user_id)
    await harness.idle()
    return harness.of(payload)


async def test_citation_number_of_the_last_answer_in_the_channel(harness, env):
    harness.slash("ask", question="How much did the bridge repair cost?")
    await harness.idle()
    defer, reply = await source(harness, "2")
    assert defer.payload["type"] == 5 and defer.flags & 64  # private from the start
    assert reply.flags & 64
    (embed,) = reply.embeds
    assert embed["title"] == "Harbour bridge reopens"
    assert embed["url"] == "https://news.example/bridge"
    assert embed["description"].startswith(
        "Citation **[2]** of the answer to “How much did the bridge repair cost?”"
    )
    assert "**Publisher:** Harbour Gazette" in embed["description"]
    (field,) = embed["fields"]
    assert field["name"] == "Passage 2 · `bridge:1`"
    assert field["value"] == "**The council said the bridge would carry trams again from April.**"
    assert reply.payload["allowed_mentions"] == {"parse": []}


async def test_missing_citation_lists_the_valid_ones(harness, env):
    harness.slash("ask", question="How much did the bridge repair cost?")
    await harness.idle()
    *_, reply = await source(harness, "[7]")
    assert reply.flags & 64
    assert reply.content == "The last answer here has no citation [7] (its citations: [1], [2])."


async def test_private_answers_are_not_looked_up_by_others(harness, env):
    harness.slash("ask", question="How much did it cost?", private=True, user_id=MEMBER_ID)
    await harness.idle()
    *_, reply = await source(harness, "1", user_id=ADMIN_ID)
    assert reply.content.startswith("There is no answer in this channel yet")
    *_, mine = await source(harness, "1", user_id=MEMBER_ID)
    assert mine.embeds[0]["title"] == "Harbour bridge reopens"


async def test_title_autocomplete_then_lookup_by_article_id(harness, env):
    payload = harness.autocomplete("source", "query", query="harbour")
    await harness.idle()
    (choices,) = harness.of(payload)
    assert choices.payload == {
        "type": 8,
        "data": {
            "choices": [{"name": "Harbour bridge reopens · Harbour Gazette", "value": "bridge"}]
        },
    }
    *_, reply = await source(harness, "bridge")
    (embed,) = reply.embeds
    assert embed["title"] == "Harbour bridge reopens"
    names = [f["name"] for f in embed["fields"]]
    assert names == ["Passage 1 · `bridge:0`", "Passage 2 · `bridge:1`"]
    assert "**Published:** 2026-03-02" in embed["description"]


async def test_lookup_by_passage_id_and_by_title_words(harness, env):
    *_, by_id = await source(harness, "library:0")
    assert by_id.embeds[0]["title"] == "Library opens late"
    assert by_id.embeds[0]["fields"][0]["value"].startswith("The city library extended")
    *_, by_words = await source(harness, "library opens")
    assert by_words.embeds[0]["title"] == "Library opens late"


async def test_nothing_found_is_a_private_explanation(harness, env):
    *_, reply = await source(harness, "zeppelin timetable")
    assert reply.flags & 64
    assert reply.content.startswith("I found no article matching “zeppelin timetable”")


async def test_autocomplete_ignores_citation_numbers(harness, env):
    payload = harness.autocomplete("source", "query", query="3")
    await harness.idle()
    (choices,) = harness.of(payload)
    assert choices.payload == {"type": 8, "data": {"choices": []}}
