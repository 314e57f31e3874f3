"""``footnote ask`` / ``chat`` / ``eval answers`` invoked as a user would, on the sample corpus."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.engine.extractive import FEATURES, SUPPORT_FEATURES
from tests.conftest import EXAMPLES_DIR, free_port

pytestmark = pytest.mark.slow

BRIDGE_Q = "How much did the harbour bridge repair cost?"
CITATION_KEYS = {"n", "article_id", "title", "url", "published", "quote", "passage"}
SOURCE_KEYS = {"rank", "score", "article_id", "title", "url", "published", "text"}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory, real_embeddings):
    from ingest.config import IngestSettings
    from ingest.pipeline import run_ingest
    from vectorstore.chroma import ChromaArticleStore

    data = tmp_path_factory.mktemp("cli-data")
    settings = IngestSettings(_env_file=None, data_dir=data)
    store = ChromaArticleStore.from_settings(settings, real_embeddings)
    run_ingest([str(EXAMPLES_DIR / "corpus")], settings, store=store)
    assert store.count() > 10
    return data


@pytest.fixture
def env(data_dir, monkeypatch):
    monkeypatch.setenv("FOOTNOTE_DATA_DIR", str(data_dir))
    return data_dir


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def test_ask_json_has_exactly_the_documented_shape(env):
    result = run("ask", BRIDGE_Q, "--json")
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    payload = json.loads(lines[0])
    assert set(payload) == {"answer", "abstained", "citations", "sources"}
    assert payload["abstained"] is False
    assert "40 million" in payload["answer"]
    assert payload["citations"] and payload["sources"]
    for c in payload["citations"]:
        assert set(c) == CITATION_KEYS
        assert isinstance(c["n"], int) and f"[{c['n']}]" in payload["answer"]
        assert c["quote"] in c["passage"]
        assert c["published"] is None or isinstance(c["published"], str)
    assert [s["rank"] for s in payload["sources"]] == list(range(1, len(payload["sources"]) + 1))
    for s in payload["sources"]:
        assert set(s) == SOURCE_KEYS and isinstance(s["score"], float)
    cited = payload["citations"][0]
    assert cited["url"].startswith("https://") and cited["published"].startswith("2026-10-17")


def test_ask_text_shows_answer_then_sources_with_quotes(env):
    result = run("ask", BRIDGE_Q)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "40 million" in out.split("Sources:")[0]
    sources = out.split("Sources:")[1]
    assert "[1] Harbour bridge reopens" in sources
    assert "The Marrowick Courier" in sources and "2026-10-17" in sources
    assert "https://www.marrowick-courier.example/" in sources
    assert '"' in sources  # the quote


def test_ask_abstains_with_closest_sources(env):
    result = run("ask", "Who won the 1998 football World Cup final?", "--json")
    payload = json.loads(result.stdout)
    assert payload["abstained"] is True
    assert payload["citations"] == [] and payload["sources"]


def test_batch_reads_stdin_and_prints_one_json_line_per_question(env):
    stdin = f"{BRIDGE_Q}\n\nHow many passengers can the Aurora carry?\n"
    result = run("ask", "-", "--json", input=stdin)
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert "40 million" in first["answer"]
    assert "150" in second["answer"]


def test_batch_reports_rejected_lines_and_exits_1(env):
    result = run("ask", "-", "--json", input="x" * 600 + f"\n{BRIDGE_Q}\n")
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    assert "error" in json.loads(lines[0])
    assert "40 million" in json.loads(lines[1])["answer"]


def test_source_filter_excludes_other_publishers(env):
    result = run("ask", BRIDGE_Q, "--source", "Lanternfish Docs", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert all("Harbour bridge" not in s["title"] for s in payload["sources"])


def test_empty_corpus_is_an_error_with_a_hint(monkeypatch, tmp_path):
    # Like `footnote search`: exit 1, nothing on stdout, where it looked (issue 8, item 15).
    monkeypatch.setenv("FOOTNOTE_DATA_DIR", str(tmp_path / "fresh"))
    result = run("ask", BRIDGE_Q, "--json")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "corpus is empty" in result.stderr and str(tmp_path / "fresh") in result.stderr
    assert not (tmp_path / "fresh").exists()


def test_empty_question_is_an_error_exit_1(env):
    result = run("ask", "   ")
    assert result.exit_code == 1
    assert "empty" in result.stderr


def test_bad_date_is_a_usage_error(env):
    assert run("ask", BRIDGE_Q, "--after", "last tuesday").exit_code == 2


@pytest.mark.parametrize(
    ("name", "value"),
    [("FOOTNOTE_TOP_K", "0"), ("FOOTNOTE_LLM", "not-a-provider-spec")],
)
def test_bad_settings_exit_78(env, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    result = run("ask", BRIDGE_Q)
    assert result.exit_code == 78
    assert "configuration" in result.stderr


def test_unreachable_chroma_server_is_a_clean_error(monkeypatch, tmp_path):
    monkeypatch.setenv("FOOTNOTE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("FOOTNOTE_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("FOOTNOTE_CHROMA_PORT", str(free_port()))
    result = run("ask", BRIDGE_Q)
    assert result.exit_code == 1
    assert "Chroma" in result.stderr and "Traceback" not in result.output


def test_chat_keeps_history_for_follow_ups(env):
    stdin = f"{BRIDGE_Q}\nand when did it reopen?\n/exit\n"
    result = run("chat", input=stdin)
    assert result.exit_code == 0, result.output
    first, _, second = result.stdout.partition("17 October 2026")
    assert "40 million" in first
    assert "understood as:" in result.stderr and "bridge" in result.stderr


def test_eval_answers_writes_reports(env, tmp_path):
    dataset = _tiny_dataset(tmp_path / "tiny-squad")
    out = tmp_path / "results"
    result = run(
        "eval", "answers", "--dataset", str(dataset), "--limit", "20", "--json", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    for key in ("accuracy", "citation_validity", "abstention_rate", "refusal_rate_unanswerable"):
        assert 0.0 <= report[key] <= 1.0
    assert report["answerer"] == "extractive"
    assert report["answerable"]["questions"] >= 1
    assert (out / "eval-answers-tiny-squad-extractive.json").is_file()
    markdown = (out / "eval-answers-tiny-squad-extractive.md").read_text()
    assert "answer accuracy" in markdown
    # the same questions' retrieval, for each retriever (and the fused ranking before the
    # rerank), with its Hits@k plot
    assert set(report["retrieval"]) == {"hybrid", "rrf", "dense", "bm25"}
    assert report["retrieval"]["hybrid"]["n"] == report["answerable"]["questions"]
    assert "eval-answers-tiny-squad-extractive-hits.png" in markdown
    assert (out / "eval-answers-tiny-squad-extractive-hits.png").stat().st_size > 1000


def test_eval_answers_fit_reports_fitted_models(env, tmp_path):
    dataset = _tiny_dataset(tmp_path / "tiny-squad")
    out = tmp_path / "results"
    args = ("eval", "answers", "--dataset", str(dataset), "--limit", "20", "--json", "--fit")
    result = run(*args, "--out", str(out))
    assert result.exit_code == 0, result.output
    fit = json.loads(result.stdout)["fit"]
    assert len(fit["weights"]) == len(FEATURES)
    assert len(fit["support_weights"]) == len(SUPPORT_FEATURES)
    assert 0 < fit["threshold"] < 1
    assert fit["report_metrics"]["answerable"] >= 1
    assert "Extractive fit" in (out / "eval-answers-tiny-squad-extractive.md").read_text()


ARTICLES = {
    "Orchard": [
        "The Pellworth orchard was planted in 1911 by the brothers Anselm and Rudi Carrow.",
        "The orchard grows 46 varieties of apple. Its cider press was installed in 1954.",
    ],
    "Lighthouse": [
        "The Varne Point lighthouse stands 38 metres tall and was first lit in 1872.",
        "Its lamp was electrified in 1931 by the engineer Margit Solvang.",
    ],
}
QUESTIONS = [
    ("q1", "When was the Pellworth orchard planted?", "1911", "Orchard", 0),
    ("q2", "How many varieties of apple does the orchard grow?", "46", "Orchard", 1),
    ("q3", "Who planted the Pellworth orchard?", "Anselm and Rudi Carrow", "Orchard", 0),
    ("q4", "How tall is the Varne Point lighthouse?", "38 metres", "Lighthouse", 0),
    ("q5", "Who electrified the lighthouse lamp?", "Margit Solvang", "Lighthouse", 1),
    ("q6", "When was the Varne Point lighthouse first lit?", "1872", "Lighthouse", 0),
    ("q7", "When was the cider press installed?", "1954", "Orchard", 1),
    ("q8", "When was the lighthouse lamp electrified?", "1931", "Lighthouse", 1),
]


def _tiny_dataset(root):
    root.mkdir()
    corpus, passages = [], []
    for title, paragraphs in ARTICLES.items():
        body = "\n\n".join(paragraphs)
        corpus.append(
            {"id": title, "title": title, "url": f"https://example.org/{title}", "body": body}
        )
        for i, text in enumerate(paragraphs):
            passages.append(
                {"id": f"{title}#p{i}", "article_id": title, "paragraph_index": i, "text": text}
            )
    queries = [
        {"id": qid, "question": q, "answers": [a], "article_id": art, "passage_id": f"{art}#p{p}"}
        for qid, q, a, art, p in QUESTIONS
    ]
    for name, rows in (("corpus", corpus), ("passages", passages), ("queries.dev", queries)):
        (root / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return root


def test_a_refused_question_counts_as_a_coverage_gap(env):
    # Like the bot's refusals (issue 8, item 16); batch input (`ask -`) is not recorded.
    question = "What is the airspeed velocity of an unladen swallow?"
    result = run("ask", question, "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["abstained"] is True
    gaps = json.loads(run("gaps", "--json").stdout)
    assert question in [g["question"] for g in gaps]
    run("ask", "-", "--json", input="Which colour is the moon's cheese?\n")
    gaps = json.loads(run("gaps", "--json").stdout)
    assert "Which colour is the moon's cheese?" not in [g["question"] for g in gaps]


def test_ask_answers_without_importing_sentence_transformers(env, tmp_path):
    # Issue 8, item 11: `footnote ask` cold start; the light encoder serves the bundled model.
    from tests.cli.test_cli_readonly import heavy_imports, run_fresh

    result = run_fresh(
        "bot.cli", "ask", BRIDGE_Q, "--json", cwd=tmp_path, env={"FOOTNOTE_DATA_DIR": str(env)}
    )
    assert result.returncode == 0, result.stderr
    assert "40 million" in json.loads(result.stdout)["answer"]
    assert heavy_imports(result) == "torch"  # not sentence_transformers, not transformers


def test_terminal_sources_name_the_byline() -> None:
    from bot.cli.ask import render_text
    from bot.engine.models import Answer, Citation
    from vectorstore.base import Passage

    p = Passage("a:0", "a", 0, "Text here.", "Title", source="Gazette", author="Ada Lind; Staff")
    text = render_text(Answer("q", "q", "x [1]", False, citations=(Citation(1, p, "Text here."),)))
    assert "[1] Title (Gazette, by Ada Lind)" in text
