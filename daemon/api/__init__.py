"""Remote (OpenAI and OpenAI-compatible) APIs: one client, one call wrapper, one price table.

``client`` builds the SDK client and owns the retry policy and the error taxonomy; ``gate``
holds the pause and the budget check every attempt passes; ``costs`` prices calls and enforces
budgets. ``capture`` hands the SDK an HTTP client whose hooks take the exact bytes of each
exchange, and ``audit`` chains a record of every attempt into ``audit.jsonl`` (fields in
``audit_entry``, listing in ``audit_show``); ``usage`` sums up what left the machine for one
recording, for its report. Backends (``daemon.transcribe.openai``, ``daemon.summarize.llm``,
``daemon.batch``) never call the SDK except through ``ApiClient.call``, so every call is recorded
in the ledger and the audit trail the same way.
"""
