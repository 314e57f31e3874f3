"""Measuring the engine on datasets: retrieval Hits@k (``retrieval``) and answers (``answers``).

It uses the engine and ``ingest`` (to build scratch stores of a dataset's corpus); the engine and
the adapter never import it. Datasets are read from ``../shared/eval/``, never copied here.
"""
