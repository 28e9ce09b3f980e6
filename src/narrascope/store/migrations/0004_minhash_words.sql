-- narrascope schema v4: no schema change. Near-duplicate signatures of texts
-- whose words carry combining marks (Devanagari vowel signs, ...) are
-- recomputed by the data step of this migration (store/sqlite.py,
-- DATA_MIGRATIONS[4]): they were made with a tokeniser that split such words
-- at every mark, so a re-ingested copy of an old article was not recognised.
SELECT 1;
