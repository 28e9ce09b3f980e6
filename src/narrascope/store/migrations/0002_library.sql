-- narrascope schema v2: the fact-check / counter-narrative library
CREATE TABLE library_entries (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,      -- claimreview | record | counter_narrative
    claim        TEXT NOT NULL,      -- claim reviewed, or narrative answered
    title        TEXT,
    url          TEXT,
    rating       TEXT,
    published    TEXT,
    author       TEXT,
    publisher    TEXT,
    language     TEXT,
    narratives   TEXT NOT NULL DEFAULT '[]',
    body         TEXT,
    source       TEXT,
    meta         TEXT NOT NULL DEFAULT '{}',
    content_hash TEXT NOT NULL,
    imported_at  TEXT NOT NULL
);

CREATE TABLE library_passages (
    entry_id  TEXT NOT NULL REFERENCES library_entries(id) ON DELETE CASCADE,
    idx       INTEGER NOT NULL,
    text      TEXT NOT NULL,
    start     INTEGER,
    end       INTEGER,
    model     TEXT,                  -- embedder that produced the vector
    embedding BLOB,                  -- float16, L2-normalised
    PRIMARY KEY (entry_id, idx)
);
