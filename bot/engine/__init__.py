"""The answer engine: question -> retrieved passages -> checked, cited ``Answer``.

It may use ``vectorstore`` (the store port, its errors) and ``ingest.state`` (the ingest
generation, to keep the lexical index fresh), plus LangChain for the optional chat model. It never
imports the Discord adapter, the CLI, the evaluation room or ``discord``.
"""
