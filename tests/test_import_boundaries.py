"""Imports go one way (bot -> ingest -> vectorstore); only the Discord adapter imports discord."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT

# The only modules allowed to import discord.
DISCORD_ADAPTER = ("bot/discord_adapter/",)


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


def imported_roots(path: Path) -> set[str]:
    """Top-level package names imported anywhere in the file (module level or in functions)."""
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def violations(package: str, forbidden: set[str], allowed: tuple[str, ...] = ()) -> list[str]:
    found = []
    for path in sorted((REPO_ROOT / package).rglob("*.py")):
        rel = path.relative_to(REPO_ROOT).as_posix()
        if allowed and rel.startswith(allowed):
            continue
        bad = imported_roots(path) & forbidden
        if bad:
            found.append(f"{rel} imports {sorted(bad)}")
    return found


def test_vectorstore_imports_neither_ingest_nor_bot():
    assert violations("vectorstore", {"ingest", "bot"}) == []


def test_ingest_never_imports_bot():
    assert violations("ingest", {"bot"}) == []


def test_only_the_discord_adapter_imports_discord():
    assert violations("bot", {"discord"}, allowed=DISCORD_ADAPTER) == []
    assert violations("ingest", {"discord"}) == []
    assert violations("vectorstore", {"discord"}) == []
    # ...and the adapter really does (otherwise this test would prove nothing).
    assert "discord" in imported_roots(REPO_ROOT / "bot" / "discord_adapter" / "app.py")


def test_core_modules_do_not_pull_in_discord_in_a_fresh_interpreter():
    core = [
        m
        for m in modules("vectorstore") + modules("ingest") + modules("bot")
        if m != "bot.discord_adapter.app" and not m.startswith("bot.discord_adapter.cogs")
    ]
    assert {"vectorstore", "ingest.report", "bot.engine.models"} <= set(core)
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
