-- narrascope schema v1
CREATE TABLE articles (
    id              TEXT PRIMARY KEY,
    external_id     TEXT,
    url             TEXT,
    source          TEXT,
    title           TEXT,
    published       TEXT,           -- ISO 8601, UTC
    language        TEXT,
    language_score  REAL,
    raw_format      TEXT NOT NULL DEFAULT 'text',
    raw_text        TEXT NOT NULL,
    clean_text      TEXT NOT NULL,
    sentences       TEXT NOT NULL,  -- JSON [[start, end], ...] into clean_text
    offset_map      TEXT NOT NULL,  -- JSON [[clean_start, raw_start, length], ...]
    removed         TEXT NOT NULL,  -- JSON boilerplate cut out
    duplicate_of    TEXT REFERENCES articles(id),
    duplicate_score REAL,
    origin          TEXT,
    meta            TEXT NOT NULL,
    gold            TEXT NOT NULL,
    minhash         BLOB,
    ingested_at     TEXT NOT NULL
);
CREATE INDEX articles_published ON articles(published);
CREATE INDEX articles_language ON articles(language);
CREATE INDEX articles_source ON articles(source);
CREATE INDEX articles_duplicate_of ON articles(duplicate_of);
CREATE INDEX articles_external_id ON articles(external_id);

-- Inputs already processed, by hash of their raw content: a re-run skips
-- them before any work, which is what makes ingest resumable and cheap.
CREATE TABLE seen_inputs (
    raw_hash   TEXT PRIMARY KEY,
    article_id TEXT,
    status     TEXT NOT NULL,       -- stored | duplicate | skipped_duplicate
    seen_at    TEXT NOT NULL
);

-- MinHash LSH bands for near-duplicate lookup.
CREATE TABLE lsh (
    band       INTEGER NOT NULL,
    key        INTEGER NOT NULL,
    article_id TEXT NOT NULL,
    PRIMARY KEY (band, key, article_id)
) WITHOUT ROWID;

CREATE TABLE results (
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    stage      TEXT NOT NULL,
    version    TEXT NOT NULL,
    model      TEXT,
    data       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (article_id, stage)
);
CREATE INDEX results_stage ON results(stage, version);

CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    command     TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    status      TEXT NOT NULL,
    counts      TEXT
);

CREATE TABLE failures (
    id         INTEGER PRIMARY KEY,
    run_id     INTEGER REFERENCES runs(id),
    input      TEXT,
    locator    TEXT,
    stage      TEXT,
    article_id TEXT,
    code       TEXT NOT NULL,
    message    TEXT NOT NULL,
    at         TEXT NOT NULL
);
