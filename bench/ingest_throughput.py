"""Ingest throughput: the whole job vs raw fp32 ``SentenceTransformer.encode`` on the same chunks.

    python -m bench.ingest_throughput [--passages 1500]

One chunk set (SQuAD v1.1 dev articles from ../shared/eval, split by our PassageSplitter; a
generated corpus when that folder is absent), measured in the same process:

1. raw fp32 ``SentenceTransformer.encode`` (batch 32) of exactly the texts the job embeds
   (title + passage), timed before and after the job to average out machine-load drift;
2. the whole job: ``run_ingest`` of a JSONL file into a fresh persistent Chroma store with the
   default settings (``embedding_dtype=auto``: bf16 where the CPU has bf16 instructions), from
   opening the store and loading the model to the last write;
3. retrieval quality unchanged: cosine between the fp32 vectors and the vectors the job stored,
   and top-5 agreement and Hits@5 of fp32 vs job embeddings on SQuAD questions.

Writes bench/results/ingest_throughput.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SQUAD = REPO.parent / "shared" / "eval" / "squad-v1.1-dev"
RESULTS = REPO / "bench" / "results"
TARGET_BF16 = 3.0
TARGET_OTHER = 0.9


def cpu_flags() -> set[str]:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def squad_records() -> list[dict]:
    rows = [json.loads(line) for line in (SQUAD / "corpus.jsonl").open(encoding="utf-8")]
    return [
        {"id": r["id"], "title": r["title"], "url": r["url"], "source": r["source"],
         "body": r["body"]}
        for r in rows
    ]  # fmt: skip


def generated_records(n_articles: int = 120) -> list[dict]:
    rng = random.Random(7)
    vocab = [
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9)))
        for _ in range(3000)
    ]
    records = []
    for a in range(n_articles):
        paragraphs = [
            " ".join(rng.choice(vocab) for _ in range(rng.randint(60, 140))).capitalize() + "."
            for _ in range(rng.randint(6, 14))
        ]
        url = f"https://example.org/gen/{a}"
        body = "\n\n".join(paragraphs)
        records.append({"id": f"gen-{a}", "title": f"Generated article {a}", "url": url,
                        "body": body})  # fmt: skip
    return records


class Clock:
    """Wall time and this process's CPU time (all threads) of one phase.

    The machine is shared: other people's jobs stretch wall time unevenly between phases, while
    CPU time counts the work this process did. Both are reported.
    """

    def __enter__(self) -> Clock:
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall0
        self.cpu = time.process_time() - self.cpu0


def timed_encode(model, texts: list[str]) -> tuple[Clock, np.ndarray]:
    model.encode(texts[:32], batch_size=32, normalize_embeddings=True, show_progress_bar=False)
    with Clock() as clock:
        vectors = model.encode(
            texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True,
            show_progress_bar=False,
        )  # fmt: skip
    return clock, np.asarray(vectors, dtype=np.float32)


def main() -> None:  # noqa: C901 - a linear script
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--passages", type=int, default=1500, help="size of the chunk set")
    parser.add_argument("--queries", type=int, default=300, help="SQuAD questions for quality")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

    import torch

    from ingest.articles import Article
    from ingest.chunking import PassageSplitter
    from ingest.config import IngestSettings
    from ingest.loaders import iter_source
    from ingest.pipeline import run_ingest
    from vectorstore.chroma import embedding_input, make_client
    from vectorstore.embeddings import (
        SentenceTransformerEmbeddings,
        choose_dtype,
        cpu_supports_bf16,
        load_sentence_transformer,
    )

    work = Path(tempfile.mkdtemp(prefix="footnote-bench-"))
    settings = IngestSettings(data_dir=work / "data", chroma_host=None, chroma_ephemeral=False)
    dataset = "squad-v1.1-dev" if (SQUAD / "corpus.jsonl").exists() else "generated"
    records = squad_records() if dataset != "generated" else generated_records()

    # The chunk set: whole articles until --passages, split exactly as the job splits them.
    fp32 = SentenceTransformerEmbeddings(settings.embedding_model, dtype="float32")
    splitter = PassageSplitter(fp32, settings.chunk_tokens, settings.chunk_overlap_tokens)
    every = work / "all.jsonl"
    every.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    chosen: list[dict] = []
    n = 0
    for record, article in zip(records, iter_source(str(every), settings), strict=True):
        if n >= args.passages:
            break
        assert isinstance(article, Article), article
        chosen.append(record)
        n += len(splitter.split(article))
    source = work / "corpus.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in chosen) + "\n", encoding="utf-8")
    articles = [a for a in iter_source(str(source), settings) if isinstance(a, Article)]
    docs = [d for a in articles for d in splitter.split(a)]
    texts = [embedding_input(d.page_content, d.metadata) for d in docs]
    keys = [(d.metadata["article_id"], d.metadata["passage_index"]) for d in docs]
    tokens = [splitter.count_tokens(t) for t in texts]
    print(f"chunk set: {dataset}, {len(articles)} articles, {len(texts)} passages, "
          f"mean {statistics.mean(tokens):.0f} tokens")  # fmt: skip

    fp32_model = load_sentence_transformer(fp32.path, "float32", "cpu")
    n_texts = len(texts)
    fp32_a, fp32_vectors = timed_encode(fp32_model, texts)
    print(f"raw fp32 encode: {n_texts / fp32_a.wall:.1f} passages/s")

    with Clock() as job:
        report = run_ingest([str(source)], settings)
    job_dtype = choose_dtype(  # what the job used: measured for this machine, kept in data_dir
        settings.embedding_dtype,
        settings.embedding_device,
        model_path=fp32.path,
        data_dir=settings.data_dir,
    )
    assert report.passages_added == n_texts, (report.passages_added, n_texts)
    assert report.failed == 0, report.failures
    print(f"whole job ({job_dtype}): {n_texts / job.wall:.1f} passages/s")

    job_model = load_sentence_transformer(fp32.path, job_dtype, "cpu")
    floor, _ = timed_encode(job_model, texts)
    print(f"raw {job_dtype} encode: {n_texts / floor.wall:.1f} passages/s")
    fp32_b, _ = timed_encode(fp32_model, texts)
    print(f"raw fp32 encode (again): {n_texts / fp32_b.wall:.1f} passages/s")

    raw_rate = 2 * n_texts / (fp32_a.wall + fp32_b.wall)
    job_rate = n_texts / job.wall
    raw_cpu_rate = 2 * n_texts / (fp32_a.cpu + fp32_b.cpu)
    job_cpu_rate = n_texts / job.cpu
    ratio = job_rate / raw_rate

    # What the job stored, aligned with the fp32 vectors.
    collection = make_client(settings).get_collection(settings.collection)
    got = collection.get(include=["embeddings", "metadatas"])
    stored = {
        (m["article_id"], m["passage_index"]): np.asarray(e, dtype=np.float32)
        for m, e in zip(got["metadatas"], got["embeddings"], strict=True)
    }
    job_vectors = np.stack([stored[k] for k in keys])
    cosines = np.sum(fp32_vectors * job_vectors, axis=1) / (
        np.linalg.norm(fp32_vectors, axis=1) * np.linalg.norm(job_vectors, axis=1)
    )

    quality: dict[str, object] = {
        "passage_cosine_fp32_vs_job_mean": round(float(cosines.mean()), 6),
        "passage_cosine_fp32_vs_job_min": round(float(cosines.min()), 6),
    }
    if dataset != "generated":
        wanted = {r["id"] for r in chosen}
        by_id = {a.location.rsplit("#", 1)[-1]: a.article_id for a in articles}
        queries = []
        with (SQUAD / "queries.dev.jsonl").open(encoding="utf-8") as handle:
            for line in handle:
                q = json.loads(line)
                if q["article_id"] in wanted:
                    queries.append(q)
        random.Random(13).shuffle(queries)
        queries = queries[: args.queries]
        questions = [q["question"] for q in queries]
        q32 = fp32_model.encode(questions, batch_size=32, normalize_embeddings=True)
        qjob = np.asarray(
            job_model.encode(questions, batch_size=32, normalize_embeddings=True), np.float32
        )
        top32 = np.argsort(-(q32 @ fp32_vectors.T), axis=1)[:, :5]
        topjob = np.argsort(-(qjob @ job_vectors.T), axis=1)[:, :5]
        overlap = [len(set(a) & set(b)) / 5 for a, b in zip(top32, topjob, strict=True)]
        same_first = [float(a[0] == b[0]) for a, b in zip(top32, topjob, strict=True)]

        def hits(top: np.ndarray) -> float:
            found = 0
            for q, row in zip(queries, top, strict=True):
                gold = by_id[q["article_id"]]
                answers = [a.lower() for a in q["answers"]]
                found += any(
                    docs[i].metadata["article_id"] == gold
                    and any(ans in docs[i].page_content.lower() for ans in answers)
                    for i in row
                )
            return found / len(queries)

        quality.update(
            {
                "queries": len(queries),
                "top5_overlap_mean": round(statistics.mean(overlap), 4),
                "top1_agreement": round(statistics.mean(same_first), 4),
                "hits_at_5_fp32": round(hits(top32), 4),
                "hits_at_5_job": round(hits(topjob), 4),
                "hits_definition": "a top-5 passage is from the gold article and contains a "
                "gold answer string (case-insensitive)",
            }
        )

    flags = cpu_flags()
    bf16 = cpu_supports_bf16()
    target = TARGET_BF16 if bf16 else TARGET_OTHER
    result = {
        "dataset": dataset,
        "articles": len(articles),
        "passages": len(texts),
        "mean_tokens_per_embedding_input": round(statistics.mean(tokens), 1),
        "chunk_tokens": settings.chunk_tokens,
        "raw_fp32_passages_per_s_before": round(n_texts / fp32_a.wall, 2),
        "raw_fp32_passages_per_s_after": round(n_texts / fp32_b.wall, 2),
        "raw_fp32_passages_per_s": round(raw_rate, 2),
        "job_passages_per_s": round(job_rate, 2),
        "job_seconds": round(job.wall, 2),
        "raw_job_dtype_passages_per_s": round(n_texts / floor.wall, 2),
        "job_vs_raw_job_dtype_encode": round(floor.wall / job.wall, 3),
        "per_cpu_second": {
            "raw_fp32": round(raw_cpu_rate, 2),
            "raw_job_dtype": round(n_texts / floor.cpu, 2),
            "job": round(job_cpu_rate, 2),
            "ratio_job_vs_raw_fp32": round(job_cpu_rate / raw_cpu_rate, 2),
            "job_vs_raw_job_dtype_encode": round(floor.cpu / job.cpu, 3),
        },
        "ratio_job_vs_raw_fp32": round(ratio, 2),
        "target_ratio": target,
        "meets_target": ratio >= target,
        "meets_target_per_cpu_second": job_cpu_rate / raw_cpu_rate >= target,
        "job_dtype": job_dtype,
        "embedding_dtype_setting": settings.embedding_dtype,
        "cpu_supports_bf16": bf16,
        "cpu_bf16_flags": sorted(flags & {"avx512_bf16", "amx_bf16", "amx_tile", "amx_int8"}),
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "load_average_1m_at_end": round(os.getloadavg()[0], 2),
        "quality": quality,
        "report": report.as_json(),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "ingest_throughput.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "ingest_throughput.md").write_text(render_markdown(result))
    print(json.dumps(result, indent=2))


def render_markdown(r: dict) -> str:
    q, c = r["quality"], r["per_cpu_second"]
    lines = [
        "# Ingest throughput",
        "",
        "`python -m bench.ingest_throughput` — one chunk set, measured in one process.",
        "",
        f"- Chunk set: {r['dataset']}, {r['articles']} articles, {r['passages']} passages "
        f"(≤ {r['chunk_tokens']} tokens; mean embedding input "
        f"{r['mean_tokens_per_embedding_input']} tokens incl. title)",
        f"- CPU: {r['cores']} cores, bf16 flags {r['cpu_bf16_flags'] or 'none'} -> "
        f"`embedding_dtype={r['embedding_dtype_setting']}` chose **{r['job_dtype']}**; "
        f"1-min load average at the end: {r['load_average_1m_at_end']} (shared machine)",
        "",
        "Measured in this order: raw fp32, whole job, raw job dtype, raw fp32 again. Wall-clock "
        "rates move with other people's load on this shared machine; rates per CPU second of "
        "this process (all threads) count only our own work.",
        "",
        "| measurement | passages/s (wall) | passages per CPU second |",
        "| --- | ---: | ---: |",
        f"| raw fp32 `SentenceTransformer.encode` (batch 32), first | "
        f"{r['raw_fp32_passages_per_s_before']} | |",
        f"| raw fp32 encode, last | {r['raw_fp32_passages_per_s_after']} | |",
        f"| raw fp32, both runs | {r['raw_fp32_passages_per_s']} | {c['raw_fp32']} |",
        f"| raw {r['job_dtype']} encode of the same texts (the job's floor) | "
        f"{r['raw_job_dtype_passages_per_s']} | {c['raw_job_dtype']} |",
        f"| **whole job** (`run_ingest`: open store + load model, read, split, embed, write "
        f"Chroma + record manager) | **{r['job_passages_per_s']}** | **{c['job']}** |",
        "",
        f"**Job / raw fp32: {r['ratio_job_vs_raw_fp32']}× wall-clock, "
        f"{c['ratio_job_vs_raw_fp32']}× per CPU second** (target ≥ {r['target_ratio']}×: "
        f"{'met' if r['meets_target'] else 'not met'} wall-clock, "
        f"{'met' if r['meets_target_per_cpu_second'] else 'not met'} per CPU second). "
        f"The job's rate is {c['job_vs_raw_job_dtype_encode']:.0%} of a bare {r['job_dtype']} "
        f"encode per CPU second ({r['job_vs_raw_job_dtype_encode']:.0%} wall-clock): reading, "
        "splitting, hashing, Chroma, the record manager and start-up cost the rest.",
        "",
        "## Retrieval quality, fp32 vs what the job stored",
        "",
        f"- Passage embeddings: mean cosine {q['passage_cosine_fp32_vs_job_mean']}, "
        f"min {q['passage_cosine_fp32_vs_job_min']}",
    ]
    if "queries" in q:
        lines += [
            f"- {q['queries']} SQuAD dev questions on this chunk set: top-5 overlap "
            f"{q['top5_overlap_mean']}, same top-1 {q['top1_agreement']}",
            f"- Hits@5 fp32 {q['hits_at_5_fp32']} vs job {q['hits_at_5_job']} "
            f"({q['hits_definition']})",
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
