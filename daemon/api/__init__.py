"""Remote (OpenAI and OpenAI-compatible) APIs: one client, one call wrapper, one price table.

``client`` builds the SDK client and owns the retry policy and the error taxonomy; ``costs``
prices calls and enforces budgets. Backends (``daemon.transcribe.openai``,
``daemon.summarize.llm``, ``daemon.batch``) never call the SDK except through
``ApiClient.call``, so every call is recorded in the ledger the same way.
"""
