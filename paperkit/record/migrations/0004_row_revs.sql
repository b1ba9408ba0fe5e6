-- 0004: a rev for every row an import updates by id, as tasks have had since 0001. Contacts,
-- ledger entries, balance assertions and mandates had none, so an export imported after a
-- newer change of its rows undid that change unseen. Each row starts at rev 1 and goes up by
-- one on every real change (db.Writer.update); export writes it and import refuses a row
-- older than the record's that would change it (csvio). Each row given its rev gets an
-- update event in the log, as any change does (so the log still replays to the tables).

ALTER TABLE contacts ADD COLUMN rev INTEGER NOT NULL DEFAULT 1 CHECK (rev >= 1);
ALTER TABLE ledger ADD COLUMN rev INTEGER NOT NULL DEFAULT 1 CHECK (rev >= 1);
ALTER TABLE ledger_assertions ADD COLUMN rev INTEGER NOT NULL DEFAULT 1 CHECK (rev >= 1);
ALTER TABLE roles ADD COLUMN rev INTEGER NOT NULL DEFAULT 1 CHECK (rev >= 1);

INSERT INTO events (at, source_kind, source, tbl, row_id, action, before, after)
  SELECT strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'cli', 'migration 0004: row revs',
         'contacts', id, 'update',
         json_object('audience', audience, 'id', id, 'languages', languages,
                     'micro_role', micro_role, 'name', name, 'notes', notes, 'phone', phone,
                     'ring', ring, 'role', role, 'verified_on', verified_on),
         json_object('audience', audience, 'id', id, 'languages', languages,
                     'micro_role', micro_role, 'name', name, 'notes', notes, 'phone', phone,
                     'rev', rev, 'ring', ring, 'role', role, 'verified_on', verified_on)
  FROM contacts ORDER BY rowid;

INSERT INTO events (at, source_kind, source, tbl, row_id, action, before, after)
  SELECT strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'cli', 'migration 0004: row revs',
         'ledger', CAST(id AS TEXT), 'update',
         json_object('amount', amount, 'counterparty', counterparty, 'currency', currency,
                     'date', date, 'id', id, 'kind', kind, 'note', note, 'person', person),
         json_object('amount', amount, 'counterparty', counterparty, 'currency', currency,
                     'date', date, 'id', id, 'kind', kind, 'note', note, 'person', person,
                     'rev', rev)
  FROM ledger ORDER BY id;

INSERT INTO events (at, source_kind, source, tbl, row_id, action, before, after)
  SELECT strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'cli', 'migration 0004: row revs',
         'ledger_assertions', CAST(id AS TEXT), 'update',
         json_object('amount', amount, 'currency', currency, 'date', date, 'id', id),
         json_object('amount', amount, 'currency', currency, 'date', date, 'id', id,
                     'rev', rev)
  FROM ledger_assertions ORDER BY id;

INSERT INTO events (at, source_kind, source, tbl, row_id, action, before, after)
  SELECT strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'cli', 'migration 0004: row revs',
         'roles', CAST(id AS TEXT), 'update',
         json_object('ends', ends, 'holder', holder, 'id', id, 'role', role, 'starts', starts),
         json_object('ends', ends, 'holder', holder, 'id', id, 'rev', rev, 'role', role,
                     'starts', starts)
  FROM roles ORDER BY id;
