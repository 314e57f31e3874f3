"""The ingestion job: read sources, split articles into passages, index them into the store.

Entry points: ``footnote-ingest`` / ``python -m ingest`` (``ingest.cli``), and
``ingest.pipeline.run_ingest`` for callers such as the Discord ``/ingest`` command. Loaders per
kind of source live in ``ingest.loaders``. This room may use ``vectorstore``; it never imports
``bot``.
"""
