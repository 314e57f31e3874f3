"""Footnote's answering side: the answer engine and the two ways people reach it.

Rooms: ``engine`` (question -> passages -> checked, cited Answer; knows neither Discord nor the
CLI), ``discord_adapter`` (the only code that imports discord), ``cli`` (the ``footnote``
commands), ``evaluation`` (measuring the engine on datasets); ``config`` and ``wiring`` build the
services once, in the entry points. ``bot`` may use ``ingest`` and ``vectorstore``, never the
reverse.
"""
