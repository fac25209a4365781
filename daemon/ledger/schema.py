"""The ledger's schema: an append-only list of migrations, one entry per change.

Existing databases have applied a prefix of this list (``schema_migrations`` keeps how far), so
an entry is never edited or reordered; a change to the schema is a new entry at the end.
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE recordings (
        id INTEGER PRIMARY KEY,
        sha256 TEXT UNIQUE,
        source_name TEXT NOT NULL,
        path TEXT NOT NULL,
        size INTEGER,
        recorded_at TEXT,
        duration REAL,
        state TEXT NOT NULL,
        stage TEXT,
        error TEXT,
        plan_key TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        processing_s REAL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX recordings_state ON recordings(state);
    CREATE TABLE sources (
        id INTEGER PRIMARY KEY,
        recording_id INTEGER NOT NULL REFERENCES recordings(id),
        path TEXT NOT NULL,
        size INTEGER,
        mtime_ns INTEGER,
        role TEXT NOT NULL,
        seen_at TEXT NOT NULL
    );
    CREATE INDEX sources_path ON sources(path);
    CREATE TABLE chunks (
        recording_id INTEGER NOT NULL REFERENCES recordings(id),
        idx INTEGER NOT NULL,
        plan_key TEXT NOT NULL,
        start REAL NOT NULL,
        end REAL NOT NULL,
        overlap REAL NOT NULL,
        language TEXT NOT NULL,
        segments TEXT NOT NULL,
        elapsed REAL NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (recording_id, idx)
    );
    CREATE TABLE transcripts (
        recording_id INTEGER PRIMARY KEY REFERENCES recordings(id),
        language TEXT NOT NULL,
        duration REAL NOT NULL,
        backend TEXT NOT NULL,
        model TEXT NOT NULL,
        options TEXT NOT NULL,
        segments TEXT NOT NULL,
        paragraphs TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE reports (
        recording_id INTEGER PRIMARY KEY REFERENCES recordings(id),
        markdown TEXT NOT NULL,
        sidecars TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        recording_id INTEGER REFERENCES recordings(id),
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        detail TEXT
    );
    CREATE INDEX events_recording ON events(recording_id, kind);
    """,
    """
    CREATE TABLE summaries (
        recording_id INTEGER PRIMARY KEY REFERENCES recordings(id),
        summarizer TEXT NOT NULL,
        meeting_date TEXT NOT NULL,
        summary TEXT NOT NULL,
        unverified INTEGER NOT NULL,
        created_at TEXT NOT NULL
    );
    ALTER TABLE recordings ADD COLUMN meeting_date TEXT;
    """,
    """
    CREATE TABLE action_items (
        id INTEGER PRIMARY KEY,
        recording_id INTEGER NOT NULL REFERENCES recordings(id),
        meeting_date TEXT NOT NULL,
        owner TEXT,
        task TEXT NOT NULL,
        due TEXT,
        due_phrase TEXT,
        evidence TEXT NOT NULL,
        evidence_start REAL,
        verified INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'open',
        status_at TEXT,
        status_note TEXT,
        status_recording_id INTEGER REFERENCES recordings(id),
        linked_to INTEGER REFERENCES action_items(id),
        created_at TEXT NOT NULL
    );
    CREATE INDEX action_items_status ON action_items(status, owner);
    CREATE INDEX action_items_recording ON action_items(recording_id);
    CREATE TABLE decisions (
        id INTEGER PRIMARY KEY,
        recording_id INTEGER NOT NULL REFERENCES recordings(id),
        meeting_date TEXT NOT NULL,
        text TEXT NOT NULL,
        evidence TEXT NOT NULL,
        evidence_start REAL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE digests (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        period_start TEXT NOT NULL,
        period_end TEXT NOT NULL,
        path TEXT,
        meetings INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (kind, period_end)
    );
    CREATE VIRTUAL TABLE search_index USING fts5(
        text, kind UNINDEXED, recording_id UNINDEXED, at UNINDEXED, tokenize = 'porter unicode61'
    );
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # Remote APIs (issue 4): every call with its cost, the global pause, summary provenance,
    # and Batch API items. Self-contained so that it can move in the list on a merge.
    """
    CREATE TABLE api_calls (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        recording_id INTEGER,
        backend TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        model TEXT NOT NULL,
        request_id TEXT,
        status TEXT NOT NULL,
        http_status INTEGER,
        error TEXT,
        latency_s REAL NOT NULL,
        tokens_in INTEGER NOT NULL DEFAULT 0,
        tokens_out INTEGER NOT NULL DEFAULT 0,
        audio_seconds REAL NOT NULL DEFAULT 0,
        cost_usd REAL NOT NULL DEFAULT 0,
        batch INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX api_calls_at ON api_calls(at);
    CREATE INDEX api_calls_recording ON api_calls(recording_id);
    CREATE TABLE api_pause (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        kind TEXT NOT NULL,
        reason TEXT NOT NULL,
        since TEXT NOT NULL,
        until REAL
    );
    CREATE TABLE summary_provenance (
        recording_id INTEGER PRIMARY KEY REFERENCES recordings(id),
        backend TEXT NOT NULL,
        model TEXT NOT NULL,
        prompt_version TEXT NOT NULL,
        options TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE batch_items (
        custom_id TEXT PRIMARY KEY,
        recording_id INTEGER NOT NULL REFERENCES recordings(id),
        plan TEXT NOT NULL,
        request TEXT NOT NULL,
        batch_id TEXT,
        state TEXT NOT NULL,
        result TEXT,
        error TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX batch_items_recording ON batch_items(recording_id);
    CREATE TABLE batches (
        batch_id TEXT PRIMARY KEY,
        input_file_id TEXT NOT NULL,
        model TEXT NOT NULL,
        state TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
    # Leases (issue 8): the process that owns a recording at a time, so two runs do not race.
    """
    CREATE TABLE leases (
        recording_id INTEGER PRIMARY KEY,
        owner TEXT NOT NULL,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        expires_at REAL NOT NULL
    )
    """,
    # The inputs a summary was made from, so a resumed run reuses it only if they still match.
    """
    ALTER TABLE summaries ADD COLUMN input_key TEXT
    """,
    # Who said it (issue 9): voice embeddings checkpointed with each chunk; the transcript's
    # speakers and the diarization it came from; names the user gave; voice profiles.
    """
    ALTER TABLE chunks ADD COLUMN embeddings BLOB;
    ALTER TABLE transcripts ADD COLUMN speakers TEXT;
    ALTER TABLE transcripts ADD COLUMN diarize_key TEXT;
    CREATE TABLE speaker_names (
        recording_id INTEGER NOT NULL REFERENCES recordings(id),
        label TEXT NOT NULL,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (recording_id, label)
    );
    CREATE TABLE voice_profiles (
        name TEXT PRIMARY KEY,
        vector BLOB NOT NULL,
        seconds REAL NOT NULL,
        meetings INTEGER NOT NULL,
        source TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
    # Semantic search (issue 13): passages of each report (a few sentences with speaker and
    # time, decisions, action items), their keyword index, and their embeddings by model.
    """
    CREATE TABLE passages (
        id INTEGER PRIMARY KEY,
        recording_id INTEGER NOT NULL REFERENCES recordings(id),
        idx INTEGER NOT NULL,
        kind TEXT NOT NULL,
        speaker TEXT,
        start REAL,
        end REAL,
        text TEXT NOT NULL,
        UNIQUE (recording_id, idx)
    );
    CREATE VIRTUAL TABLE passages_fts USING fts5(
        text, passage_id UNINDEXED, tokenize = 'porter unicode61'
    );
    CREATE TABLE passage_vectors (
        passage_id INTEGER NOT NULL REFERENCES passages(id),
        model TEXT NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (passage_id, model)
    );
    CREATE INDEX passage_vectors_model ON passage_vectors(model)
    """,
    # Metrics (issue 13): how long opening the container took; no checkpoint time pins it down.
    """
    ALTER TABLE recordings ADD COLUMN probe_s REAL
    """,
)
