"""``embedding_dtype=auto`` is measured once per machine, kept, and never slower than fp32."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vectorstore import dtype_choice
from vectorstore.dtype_choice import CHOICE_FILE, chosen_dtype, decide
from vectorstore.embeddings import SentenceTransformerEmbeddings


@pytest.fixture(autouse=True)
def _own_machine_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(dtype_choice, "_MEASURED", {})


def fake_measure(rates: dict[str, float], calls: list[int]):
    def measure(model_path, device, dtypes):
        calls.append(1)
        return {d: rates[d] for d in dtypes}

    return measure


@pytest.mark.parametrize(
    ("rates", "choice"),
    [
        ({"float32": 50.0, "bfloat16": 150.0}, "bfloat16"),  # AMX-like: 3x
        ({"float32": 50.0, "bfloat16": 100.0}, "bfloat16"),  # AVX512-BF16 without AMX: 2x
        ({"float32": 50.0, "bfloat16": 30.0}, "float32"),  # emulated bf16: slower
        ({"float32": 50.0, "bfloat16": 53.0}, "float32"),  # within noise: not worth a change
    ],
)
def test_decide_never_picks_slower_than_fp32(rates, choice) -> None:
    assert decide(rates) == choice


def test_bf16_flags_but_slow_bf16_gives_fp32_from_the_embeddings(tmp_path, monkeypatch) -> None:
    # The CPU says bf16 (the old rule picked it); the measurement says it is slower.
    monkeypatch.setattr("vectorstore.embeddings.cpu_supports_bf16", lambda: True)
    calls: list[int] = []
    slow_bf16 = fake_measure({"float32": 50, "bfloat16": 35}, calls)
    monkeypatch.setattr(dtype_choice, "measure", slow_bf16)
    (tmp_path / "data").mkdir()
    embeddings = SentenceTransformerEmbeddings(data_dir=tmp_path / "data")
    assert embeddings.dtype == "float32"
    assert calls == [1]


def test_decision_is_kept_in_the_data_folder_and_reused(tmp_path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    calls: list[int] = []
    measure = fake_measure({"float32": 40, "bfloat16": 120}, calls)
    assert chosen_dtype("/m", "cpu", data, measure_fn=measure, fingerprint="box-1") == "bfloat16"
    recorded = json.loads((data / CHOICE_FILE).read_text())
    assert recorded["box-1"]["choice"] == "bfloat16"
    assert recorded["box-1"]["passages_per_second"] == {"float32": 40, "bfloat16": 120}
    dtype_choice._MEASURED.clear()
    assert chosen_dtype("/m", "cpu", data, measure_fn=measure, fingerprint="box-1") == "bfloat16"
    assert calls == [1]  # read back, not measured again
    # Another machine sharing the folder measures for itself and keeps both decisions.
    slow = fake_measure({"float32": 40, "bfloat16": 20}, calls)
    assert chosen_dtype("/m", "cpu", data, measure_fn=slow, fingerprint="box-2") == "float32"
    assert set(json.loads((data / CHOICE_FILE).read_text())) == {"box-1", "box-2"}


def test_new_data_folder_on_a_measured_machine_reuses_the_machine_cache(tmp_path) -> None:
    calls: list[int] = []
    measure = fake_measure({"float32": 40, "bfloat16": 120}, calls)
    first, second = tmp_path / "one", tmp_path / "two"
    first.mkdir()
    second.mkdir()
    chosen_dtype("/m", "cpu", first, measure_fn=measure, fingerprint="box")
    dtype_choice._MEASURED.clear()  # a new process
    assert chosen_dtype("/m", "cpu", second, measure_fn=measure, fingerprint="box") == "bfloat16"
    assert calls == [1]
    assert (second / CHOICE_FILE).exists()


def test_absent_data_folder_is_not_created(tmp_path) -> None:
    calls: list[int] = []
    measure = fake_measure({"float32": 40, "bfloat16": 120}, calls)
    missing = tmp_path / "nowhere"
    assert chosen_dtype("/m", "cpu", missing, measure_fn=measure, fingerprint="box") == "bfloat16"
    assert not missing.exists()


def test_explicit_dtype_is_never_measured(tmp_path, monkeypatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(dtype_choice, "measure", fake_measure({"float32": 1, "bfloat16": 9}, calls))
    (tmp_path / "data").mkdir()
    embeddings = SentenceTransformerEmbeddings(dtype="float32", data_dir=tmp_path / "data")
    assert embeddings.dtype == "float32" and calls == []


@pytest.mark.slow
def test_real_measurement_on_this_machine(tmp_path) -> None:
    from vectorstore.embeddings import resolve_model_path

    data = tmp_path / "data"
    data.mkdir()
    choice = chosen_dtype(resolve_model_path("default"), "cpu", data)
    [entry] = json.loads((data / CHOICE_FILE).read_text()).values()
    rates = entry["passages_per_second"]
    assert set(rates) == {"float32", "bfloat16"} and all(r > 0 for r in rates.values())
    assert entry["choice"] == choice
    assert rates[choice] >= rates["float32"]  # never a dtype slower than fp32
