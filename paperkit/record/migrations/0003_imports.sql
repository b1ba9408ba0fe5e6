-- 0003: one row per committed import, written in the import's own transaction, so that
-- running the same import again (after a kill that hid its output) is caught by the file's
-- sha256 instead of adding its new rows twice. Bookkeeping, as `scans` is for photos: the
-- rows the import changed have their events (source 'import FILE'); this row adds none.
-- A record kept before 0003 starts with none: imports made before are not known.

CREATE TABLE imports (
  id        INTEGER PRIMARY KEY,
  sha256    TEXT NOT NULL,                    -- of the file's bytes, as read
  tbl       TEXT NOT NULL CHECK (tbl IN ('contacts','tasks','ledger','roles')),
  file      TEXT NOT NULL,                    -- the file name as given
  at        TEXT NOT NULL,                    -- ISO UTC, the events' time
  inserted  INTEGER NOT NULL,
  updated   INTEGER NOT NULL,
  unchanged INTEGER NOT NULL,
  added     TEXT NOT NULL DEFAULT '[]',       -- JSON: [table, id] of each row it inserted
  again     INTEGER NOT NULL DEFAULT 0 CHECK (again IN (0, 1))  -- run with --again
);
CREATE INDEX imports_sha256 ON imports(sha256, tbl);
