-- 0002: ISO 4217 gives IQD, JOD, LYD and OMR three decimals; paperkit gave them two until
-- this version (so '1.250 JOD' was refused). Amounts are kept in minor units, so each such
-- amount is written again in thousandths (x10): the same money. Each changed row gets an
-- update event in the log, as any change does.

UPDATE ledger SET amount = amount * 10 WHERE currency IN ('IQD', 'JOD', 'LYD', 'OMR');

INSERT INTO events (at, source_kind, source, tbl, row_id, action, before, after)
  SELECT strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'cli', 'migration 0002: three-decimal currencies',
         'ledger', CAST(id AS TEXT), 'update',
         json_object('amount', amount / 10, 'counterparty', counterparty, 'currency', currency,
                     'date', date, 'id', id, 'kind', kind, 'note', note, 'person', person),
         json_object('amount', amount, 'counterparty', counterparty, 'currency', currency,
                     'date', date, 'id', id, 'kind', kind, 'note', note, 'person', person)
  FROM ledger WHERE currency IN ('IQD', 'JOD', 'LYD', 'OMR') ORDER BY id;

UPDATE ledger_assertions SET amount = amount * 10 WHERE currency IN ('IQD', 'JOD', 'LYD', 'OMR');

INSERT INTO events (at, source_kind, source, tbl, row_id, action, before, after)
  SELECT strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'cli', 'migration 0002: three-decimal currencies',
         'ledger_assertions', CAST(id AS TEXT), 'update',
         json_object('amount', amount / 10, 'currency', currency, 'date', date, 'id', id),
         json_object('amount', amount, 'currency', currency, 'date', date, 'id', id)
  FROM ledger_assertions WHERE currency IN ('IQD', 'JOD', 'LYD', 'OMR') ORDER BY id;
