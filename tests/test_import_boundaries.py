"""The rooms and the direction of imports between them.

``bot`` -> ``ingest`` -> ``vectorstore``, never the reverse. Inside ``bot``: the engine imports
neither the Discord adapter, nor the CLI, nor the evaluation room, nor ``discord``; the adapter
does not import the CLI; only the adapter imports ``discord``.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

ENGINE = "bot/engine"
ADAPTER = "bot/discord_adapter"
CLI = "bot/cli"
EVALUATION = "bot/evaluation"


def modules(package: str) -> list[str]:
    root = REPO_ROOT / package
    names = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(REPO_ROOT).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__main__":
            continue  # running it would start the CLI
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(parts))
    return names


def imported_modules(path: Path) -> set[str]:
    """Dotted names imported anywhere in the file (module level or inside functions)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def imported_roots(path: Path) -> set[str]:
    return {name.split(".")[0] for name in imported_modules(path)}


def violations(room: str, forbidden: set[str]) -> list[str]:
    """Files of ``room`` importing a module equal to or under one of ``forbidden`` (dotted)."""
    found = []
    for path in sorted((REPO_ROOT / room).rglob("*.py")):
        rel = path.relative_to(REPO_ROOT).as_posix()
        bad = {
            name
            for name in imported_modules(path)
            for prefix in forbidden
            if name == prefix or name.startswith(prefix + ".")
        }
        if bad:
            found.append(f"{rel} imports {sorted(bad)}")
    return found


@pytest.mark.parametrize(
    ("room", "forbidden"),
    [
        ("vectorstore", {"ingest", "bot", "discord"}),
        ("ingest", {"bot", "discord"}),
        (ENGINE, {"bot.discord_adapter", "bot.cli", "bot.evaluation", "discord"}),
        (ADAPTER, {"bot.cli", "bot.evaluation"}),
        (EVALUATION, {"bot.discord_adapter", "bot.cli", "discord"}),
        ("bot/config.py", {"bot.discord_adapter", "bot.cli", "discord"}),
        ("bot/wiring.py", {"bot.discord_adapter", "bot.cli", "discord"}),
    ],
)
def test_rooms_import_only_what_they_may(room: str, forbidden: set[str]) -> None:
    target = REPO_ROOT / room
    if target.is_file():
        bad = imported_modules(target)
        hits = {n for n in bad for p in forbidden if n == p or n.startswith(p + ".")}
        assert hits == set()
    else:
        assert target.is_dir() and any(target.rglob("*.py")), f"{room} is not a room any more"
        assert violations(room, forbidden) == []


def test_only_the_adapter_imports_discord():
    outside = [
        rel
        for path in sorted((REPO_ROOT / "bot").rglob("*.py"))
        if not (rel := path.relative_to(REPO_ROOT).as_posix()).startswith(ADAPTER + "/")
        and "discord" in imported_roots(path)
    ]
    assert outside == []
    # ...and the adapter really does (otherwise this test would prove nothing).
    assert "discord" in imported_roots(REPO_ROOT / ADAPTER / "app.py")


def test_the_checker_sees_a_forbidden_import(tmp_path, monkeypatch):
    room = tmp_path / "bot" / "engine"
    room.mkdir(parents=True)
    (room / "leak.py").write_text("def f():\n    from bot.cli.ask import ask\n")
    monkeypatch.setattr(sys.modules[__name__], "REPO_ROOT", tmp_path)
    assert violations(ENGINE, {"bot.cli"}) == [
        "bot/engine/leak.py imports ['bot.cli.ask', 'bot.cli.ask.ask']"
    ]


def test_every_package_says_what_its_room_is_for():
    for init in sorted(REPO_ROOT.glob("*/**/__init__.py")):
        rel = init.relative_to(REPO_ROOT).as_posix()
        if rel.startswith(("tests/", "bench/", ".venv/")) or "egg-info" in rel:
            continue
        tree = ast.parse(init.read_text())
        assert ast.get_docstring(tree), f"{rel}: no opening docstring saying what the room is for"


def test_non_adapter_modules_do_not_pull_in_discord_in_a_fresh_interpreter():
    core = [
        m
        for m in modules("vectorstore") + modules("ingest") + modules("bot")
        if not m.startswith(("bot.discord_adapter", "bot.cli"))
    ]
    expected = {"vectorstore", "ingest.report", "bot.engine.models", "bot.engine.answering"}
    assert expected <= set(core)
    script = (
        "import importlib, json, sys\n"
        f"mods = {core!r}\n"
        "leaks = []\n"
        "for name in mods:\n"
        "    importlib.import_module(name)\n"
        "    if 'discord' in sys.modules:\n"
        "        leaks.append(name)\n"
        "        del sys.modules['discord']\n"
        "print(json.dumps(leaks))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


ADAPTER_PROBE = "import sys, bot.discord_adapter.app; print('discord' in sys.modules)"


def test_the_adapter_does_import_discord_in_a_fresh_interpreter():
    result = subprocess.run(
        [sys.executable, "-c", ADAPTER_PROBE],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.stdout.strip() == "True", result.stderr[-2000:]
