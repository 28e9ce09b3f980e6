-- narrascope schema v3: the library's vector index (IVF), built at import
-- time for large libraries so that searching never scans every vector.
CREATE TABLE library_index (
    model      TEXT PRIMARY KEY,
    nlist      INTEGER NOT NULL,
    passages   INTEGER NOT NULL,   -- passages covered; a mismatch means stale
    centroids  BLOB NOT NULL,      -- float32, nlist x dim
    built_at   TEXT NOT NULL
);
ALTER TABLE library_passages ADD COLUMN cluster INTEGER;
