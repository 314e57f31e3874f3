"""The Discord adapter: discord.py's bot, its cogs, and how answers are rendered for Discord.

The only room that imports ``discord``. It uses the engine (through the ``Answerer`` protocol and
the values in ``bot.engine.models``), ``ingest`` for ``/ingest`` and ``/status``, and never the CLI.
Cogs stay thin: parse, call the engine in a thread, render, reply.
"""
