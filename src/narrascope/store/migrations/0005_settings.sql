-- narrascope schema v5: settings a corpus is bound to once it holds data,
-- such as the shingle size of its near-duplicate signatures
-- ('dedup.shingle'): signatures made with another size do not compare, so a
-- later ingest with a different size is refused instead of silently missing
-- every near-copy. Corpora from before v5 have no record; their next ingest
-- records its own size.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
