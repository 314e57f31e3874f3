"""The about-article probe names an article as a reader would, and says when its data is absent."""

from __future__ import annotations

from pathlib import Path

from bench.about_article import _rare_title_words, main


def test_the_title_words_named_are_the_rarest_and_not_the_outlets() -> None:
    words = _rare_title_words("Wired: Kelp forests return to the cape this spring", "Wired")
    assert words == ["kelp", "forests", "cape"]  # by English frequency, rarest first


def test_without_the_shared_set_it_says_so_and_exits_2(tmp_path: Path, capsys) -> None:
    assert main(["--news", str(tmp_path / "absent"), "--out", str(tmp_path / "out")]) == 2
    assert "absent" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
