-- Collections of JSON documents that handler scripts read and write through `DB` (Directus-style filters).
--
-- A collection exists once it has a row in `collections` (its first write, or declaring indexes). Each item keeps
-- its whole document in `data`, id and timestamps included, so a read returns `data` as it is; `id`, `created_at`
-- and `updated_at` are copies kept as columns for the primary key, sorting and filtering. Declared indexes are
-- partial expression indexes on collection_items (one per collection and field path), created and dropped by the
-- store and listed in `indexes`.

CREATE TABLE collections (
    name       TEXT NOT NULL PRIMARY KEY,
    -- JSON array of the field paths declared as indexed.
    indexes    TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE collection_items (
    collection TEXT NOT NULL REFERENCES collections(name) ON DELETE CASCADE,
    id         TEXT NOT NULL,
    data       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (collection, id)
) WITHOUT ROWID;

CREATE INDEX collection_items_created_at ON collection_items (collection, created_at);
