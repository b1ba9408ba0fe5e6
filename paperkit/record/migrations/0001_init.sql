-- 0001: the whole record. Dates are ISO 'YYYY-MM-DD'; times ISO UTC; money in integer minor units.

CREATE TABLE contacts (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL CHECK (name <> ''),
  role        TEXT NOT NULL CHECK (role IN ('lawyer','bondsperson','family','press','medic','other')),
  ring        TEXT NOT NULL CHECK (ring IN ('witness','dispatch','care')),
  micro_role  TEXT NOT NULL DEFAULT '' CHECK (micro_role IN ('','legal-liaison','comms','logistics','care')),
  phone       TEXT NOT NULL DEFAULT '',
  languages   TEXT NOT NULL DEFAULT '',
  notes       TEXT NOT NULL DEFAULT '',
  audience    TEXT NOT NULL CHECK (audience IN ('public','crew','private')),
  verified_on TEXT NOT NULL DEFAULT ''
);

CREATE TABLE tasks (
  id           TEXT PRIMARY KEY CHECK (id GLOB 'T[0-9][0-9][0-9][0-9]*'),
  title        TEXT NOT NULL CHECK (title <> ''),
  timeframe    TEXT NOT NULL DEFAULT '',
  steward      TEXT NOT NULL DEFAULT '',
  status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','taken','done','stuck','dropped')),
  after_action TEXT NOT NULL DEFAULT '',
  shadow_crew  TEXT NOT NULL DEFAULT '',
  rev          INTEGER NOT NULL DEFAULT 1 CHECK (rev >= 1)
);

-- Crop images attached to a task (handwriting kept as pictures, never guessed as text).
CREATE TABLE task_crops (
  id          INTEGER PRIMARY KEY,
  task        TEXT NOT NULL REFERENCES tasks(id),
  kind        TEXT NOT NULL CHECK (kind IN ('note','steward')),
  path        TEXT NOT NULL,
  scan_sha256 TEXT NOT NULL,
  created_at  TEXT NOT NULL
);

CREATE TABLE ledger (
  id           INTEGER PRIMARY KEY,
  date         TEXT NOT NULL,
  kind         TEXT NOT NULL CHECK (kind IN ('donation','bail-paid','bail-returned','expense','transfer')),
  amount       INTEGER NOT NULL,
  currency     TEXT NOT NULL CHECK (length(currency) = 3),
  counterparty TEXT NOT NULL DEFAULT '',
  person       TEXT NOT NULL DEFAULT '',
  note         TEXT NOT NULL DEFAULT ''
);

-- Balance assertions: the balance in `currency` at the end of `date` must equal `amount`.
CREATE TABLE ledger_assertions (
  id       INTEGER PRIMARY KEY,
  date     TEXT NOT NULL,
  amount   INTEGER NOT NULL,
  currency TEXT NOT NULL CHECK (length(currency) = 3)
);

CREATE TABLE roles (
  id     INTEGER PRIMARY KEY,
  role   TEXT NOT NULL CHECK (role <> ''),
  holder TEXT NOT NULL,
  starts TEXT NOT NULL,
  ends   TEXT NOT NULL
);

-- Append-only: every change, with its source and a before/after pair (JSON, NULL for none).
CREATE TABLE events (
  id          INTEGER PRIMARY KEY,
  at          TEXT NOT NULL,
  source_kind TEXT NOT NULL CHECK (source_kind IN ('import','scan','kiosk','cli','review','demo')),
  source      TEXT NOT NULL,
  tbl         TEXT NOT NULL,
  row_id      TEXT NOT NULL,
  action      TEXT NOT NULL CHECK (action IN ('insert','update','delete')),
  before      TEXT,
  after       TEXT
);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
  BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
  BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;

CREATE TABLE prints (
  id      INTEGER PRIMARY KEY,
  product TEXT NOT NULL,
  at      TEXT NOT NULL,
  file    TEXT NOT NULL DEFAULT ''
);

-- Every slip code in a printed batch.
CREATE TABLE print_codes (
  print_id INTEGER NOT NULL REFERENCES prints(id),
  code     TEXT NOT NULL,
  task     TEXT NOT NULL,
  rev      INTEGER NOT NULL
);
CREATE INDEX print_codes_task ON print_codes(task, rev);

-- One row per photo ever scanned, keyed by the sha256 of its raw bytes.
CREATE TABLE scans (
  sha256  TEXT PRIMARY KEY,
  photo   TEXT NOT NULL,
  at      TEXT NOT NULL,
  result  TEXT NOT NULL
);

-- What each scan read from each slip; used to catch two photos of one slip that disagree.
CREATE TABLE slip_reads (
  id          INTEGER PRIMARY KEY,
  scan_sha256 TEXT NOT NULL REFERENCES scans(sha256),
  task        TEXT NOT NULL,
  rev         INTEGER NOT NULL,
  status      TEXT NOT NULL,
  outcome     TEXT NOT NULL,
  confidence  REAL NOT NULL
);
CREATE INDEX slip_reads_task ON slip_reads(task, rev);

-- The review queue: slips a person must decide.
CREATE TABLE reviews (
  id          INTEGER PRIMARY KEY,
  task        TEXT NOT NULL,
  rev         INTEGER NOT NULL,
  scan_sha256 TEXT NOT NULL,
  reason      TEXT NOT NULL,
  suggested   TEXT NOT NULL DEFAULT '',
  read        TEXT NOT NULL DEFAULT '{}',
  confidence  REAL NOT NULL,
  crop        TEXT NOT NULL DEFAULT '',
  state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','resolved','skipped')),
  created_at  TEXT NOT NULL,
  resolved_at TEXT
);
CREATE INDEX reviews_state ON reviews(state, confidence);
