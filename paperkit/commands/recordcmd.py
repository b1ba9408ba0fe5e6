"""Record commands: import, export, status, task, role, log, ledger, backup.

Each command is a few lines over ``paperkit.record``; edits are logged with the source
``cli`` and the command line. Exit codes: 0 ok, 1 needs attention, 2 bad input.
"""

from __future__ import annotations

import datetime as dt
import json
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from ..cli import Context, pass_ctx
from ..errors import EXIT_ATTENTION, InvalidValue, NotFound
from ..files import write_atomic
from ..record import Record, Source, csvio
from ..record.backup import backup as backup_record
from ..record.db import KEYS
from ..record.events import Event, list_events
from ..record.ledger import (
    balances,
    format_amount,
    held_currencies,
    list_assertions,
    money_json,
    running,
)
from ..record.models import LEDGER_KINDS, TASK_STATUSES
from ..record.roles import list_roles
from ..record.rows import TABLES, parse_row
from ..record.status import Status, mandates_needing_attention
from ..record.status import status as record_status
from ..record.tasks import get_task, list_tasks, next_task_id, task_events
from . import date_option, printable


# -- helpers ----------------------------------------------------------------------------------
@contextmanager
def _record(obj: Context) -> Iterator[Record]:
    rec = obj.kit.open_record()
    try:
        yield rec
    finally:
        rec.close()


def _cli_source() -> Source:
    """Source('cli', 'paperkit <command line>') rebuilt from the parsed parameters."""
    ctx = click.get_current_context()
    words: list[str] = []
    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        if value is None or value is False or value == "" or value == ():
            continue
        if isinstance(param, click.Argument):
            words.append(str(value))
        elif value is True:
            words.append(param.opts[0])
        else:
            words += [param.opts[0], str(value)]
    return Source("cli", " ".join([ctx.command_path, *map(shlex.quote, words)]))


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=1))


def _money(amount: int, currency: str) -> str:
    return f"{format_amount(amount, currency)} {currency}"


def _parse(table: str, texts: dict[str, str], partial: bool = False, rotation_days: int = 14,
           held: frozenset[str] = frozenset()):
    """The row's values; ``held``: the currencies the record's ledger holds already."""
    parsed = parse_row(table, texts, partial=partial, rotation_days=rotation_days,
                       held_currencies=held)
    if parsed.problems:
        col, msg = next(iter(parsed.problems.items()))
        raise InvalidValue(f"--{col.replace('_', '-')}: {msg}")
    return parsed.values


def register(cli: click.Group) -> None:
    for command in (import_cmd, export_cmd, status_cmd, task, role, log_cmd, ledger, backup_cmd):
        cli.add_command(command)


# -- import / export --------------------------------------------------------------------------
@click.command("import")
@click.argument("table", type=click.Choice(TABLES))
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--again", is_flag=True,
              help="Add the new rows (empty id) even when the same file was imported "
                   "before, or they repeat rows the record holds.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@pass_ctx
def import_cmd(obj: Context, table: str, file: str, again: bool, as_json: bool) -> None:
    """Import a CSV file into a table: contacts, tasks, ledger or roles.

    All or nothing: every bad row is reported with its line and column, and then nothing
    is imported. A row whose id is already in the record updates that row; a row with an
    empty id is added as a new row. UTF-8 (with or without BOM), ',' ';' or tab between
    cells, any line ends. In the ledger file, a row of kind 'assert' is a balance
    assertion, and a currency is an ISO 4217 code (or one the ledger already holds).

    The record keeps every import by the sha256 of the file. The same file imported
    into the same table again is refused when it has rows with an empty id, which would
    be added a second time (a re-run after the first run's output was lost): the message
    says when it was imported and what it added. New rows that are, in every column the
    file gives, rows the record holds are refused too (a sheet imported before and saved
    again, or a file whose id column was deleted). --again adds them anyway, as it does
    two truly identical entries. A file whose rows all have ids imports again as ever.

    What a spreadsheet wrote in place of a value is refused: error values (#NULL!,
    #NAME?, ...), '####', a phone in scientific notation or without its leading zero or
    plus, letters saved as '?', an emptied status (or mandate end) of an existing row.
    An Excel 'sep=;' first line names the delimiter. Import never deletes: rows of the
    record the file leaves out are kept, and counted.

    \b
    Example:
      paperkit import tasks tasks.csv
    """
    with _record(obj) as rec:
        result = csvio.import_file(rec, table, file, rotation_days=obj.kit.settings.rotation_days,
                                   again=again)
    if as_json:
        _echo_json({"table": table, "file": file, "inserted": result.inserted,
                    "updated": result.updated, "unchanged": result.unchanged,
                    "not_in_file": result.not_in_file, "without_rev": result.without_rev,
                    "sha256": result.sha256})
    else:
        click.echo(f"imported {file} into {table}: {result.inserted} new, "
                   f"{result.updated} updated, {result.unchanged} unchanged")
        if result.not_in_file:
            rows = "1 row in the record is" if result.not_in_file == 1 else \
                f"{result.not_in_file} rows in the record are"
            kept = "was" if result.not_in_file == 1 else "were"
            click.echo(f"{rows} not in this file and {kept} kept (import never deletes)")
        if result.without_rev:
            n = result.without_rev
            click.echo(f"{n} updated row{'' if n == 1 else 's'} had no rev (no rev column, or an"
                       f" empty cell): {'it was' if n == 1 else 'they were'} written over the"
                       " record without a check for changes made since the file was exported"
                       " (keep the rev column export writes, to be warned of them)")


@click.command("export")
@click.argument("table", type=click.Choice(TABLES))
@click.option("--format", "fmt", type=click.Choice(csvio.FORMATS), default="csv",
              show_default=True, help="csv (for spreadsheets; formulas neutralised) or json.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE, not stdout.")
@click.option("--bom", is_flag=True, help="Start the CSV with a byte-order mark, for Excel.")
@pass_ctx
def export_cmd(obj: Context, table: str, fmt: str, output: str | None, bom: bool) -> None:
    """Export a table as CSV (the same format import reads) or JSON.

    Cells starting with = + - @ or a tab get a leading apostrophe so that a spreadsheet
    shows them instead of running them; import removes it again. Plain negative amounts
    are left as they are. A file written with -o is readable by you alone (mode 0600).

    \b
    Example:
      paperkit export ledger -o ledger.csv
      paperkit export tasks --format json
    """
    with _record(obj) as rec:
        text = csvio.export_json_text(rec, table) if fmt == "json" \
            else csvio.export_csv_text(rec, table, bom=bom)
    if output:  # whole or not at all (a full disk leaves the file there before), 0600
        write_atomic(Path(output), text.encode("utf-8"))
    else:
        click.echo(text, nl=False)


# -- status -----------------------------------------------------------------------------------
@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@click.option("--on", "on", metavar="DATE", help="Report as of this date (default: today).")
@click.option("--within", type=click.IntRange(min=0), metavar="DAYS",
              help="Warn of mandates ending within DAYS (default: half the rotation length).")
@click.pass_context
def status_cmd(ctx: click.Context, as_json: bool, on: str | None, within: int | None) -> None:
    """Show task counts, expiring mandates, contacts to re-verify, the contact sheets'
    reprint date and the ledger balance. Exits 1 when something needs attention.

    \b
    Example:
      paperkit status
      paperkit status --json --on 2026-11-25
    """
    obj: Context = ctx.obj
    with _record(obj) as rec:
        st = record_status(rec, obj.kit.settings, date_option(on, "--on"), within)
    if as_json:
        _echo_json(st.as_dict())
    else:
        _print_status(st, obj.kit.settings.name)
    if st.attention:
        ctx.exit(EXIT_ATTENTION)


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _print_status(st: Status, name: str) -> None:
    click.echo(f"{name}: status on {st.today}")
    click.echo("tasks: " + ", ".join(f"{k} {v}" for k, v in st.tasks.items()))
    for m in st.mandates:
        when = f"ended {m.role.ends} ({_days(-m.days_left)} ago)" if m.state == "expired" \
            else f"ends {m.role.ends} (today)" if m.days_left == 0 \
            else f"ends {m.role.ends} (in {_days(m.days_left)})"
        click.echo(f"mandate {m.state}: {m.role.role} held by {m.role.holder}, {when}")
    for g in st.gaps:
        click.echo(printable(f"role {g.role}: no holder from {g.first} to {g.last}"))
    if st.stale_contacts:
        click.echo(f"contacts not verified in 90 days: {len(st.stale_contacts)}")
        for s in st.stale_contacts:
            since = f"last verified {s.contact.verified_on} ({s.days} days ago)" if s.days \
                is not None else "never verified"
            click.echo(f"  {s.contact.id} {s.contact.name}: {since}")
    r = st.reprint
    if r.last_printed is None:
        click.echo("contact sheets: never printed" + (" (print them)" if r.due else ""))
    else:
        click.echo(f"contact sheets: printed {r.last_printed}, reprint by {r.due_on}"
                   + (" (due now)" if r.due else ""))
    for n in st.narrowed:
        click.echo(printable(
            f"contact {n.contact} {n.name}: made {n.after} (was {n.before}) on {n.on}, after"
            f" these were printed: {', '.join(n.products)}; copies printed before may show"
            f" them: print those again and destroy the old copies"))
    money = ", ".join(_money(v, c) for c, v in st.balances.items()) or "no entries"
    click.echo(f"ledger balance: {money}")
    for f in st.failing_assertions:
        click.echo(f"ledger: {f.message()}")
    click.echo("needs attention" if st.attention else "all good")


# -- tasks ------------------------------------------------------------------------------------
@click.group("task")
def task() -> None:
    """Add, change and list tasks.

    \b
    Example:
      paperkit task add "Book the hall" --timeframe "by Fri 28 Nov" --steward Sam
    """


def _task_json(t) -> dict:
    return {"id": t.id, "title": t.title, "timeframe": t.timeframe, "steward": t.steward,
            "status": t.status, "after_action": t.after_action, "shadow_crew": t.shadow_crew,
            "rev": t.rev}


_TASK_OPTIONS = (
    click.option("--timeframe", help="A due date or window, free text."),
    click.option("--steward", help="Who looks after it (free text)."),
    click.option("--status", type=click.Choice(TASK_STATUSES),
                 help="The task's status (a new task: open)."),
    click.option("--shadow-crew", help="Who shadows the steward (optional)."),
    click.option("--json", "as_json", is_flag=True, help="Print the task as JSON."),
)


def _task_options(fn):
    for option in reversed(_TASK_OPTIONS):
        fn = option(fn)
    return fn


@task.command("add")
@click.argument("title")
@click.option("--id", "task_id", help="The task id (default: the next T0000 number).")
@_task_options
@pass_ctx
def task_add(obj: Context, title: str, task_id: str | None, **opts: Any) -> None:
    """Add a task; prints its id.

    \b
    Example:
      paperkit task add "Print 200 pocket cards" --timeframe "by 2026-12-01" --steward Ana
    """
    as_json = opts.pop("as_json")
    texts = {"title": title, **{k: v for k, v in opts.items() if v is not None}}
    with _record(obj) as rec:
        texts["id"] = task_id or next_task_id(rec)
        values = _parse("tasks", texts)
        if get_task(rec, values["id"]):
            raise InvalidValue(f"task {values['id']} already exists",
                               "use 'paperkit task set' to change it")
        with rec.write(_cli_source()) as w:
            w.insert("tasks", values)
        t = get_task(rec, values["id"])
    if as_json:
        _echo_json(_task_json(t))
    else:
        click.echo(f"added {t.id}: {t.title}")


@task.command("set")
@click.argument("task_id", metavar="ID")
@click.option("--title", help="A new title.")
@click.option("--after-action", help="The after-action note (text).")
@_task_options
@pass_ctx
def task_set(obj: Context, task_id: str, **opts: Any) -> None:
    """Change a task's fields; its rev goes up by one. Logged as an event.

    \b
    Example:
      paperkit task set T0003 --status done --after-action "Hall booked, key with Ana"
    """
    as_json = opts.pop("as_json")
    task_id = task_id.strip().upper()  # (as 'log --task' and 'review' take it: t0003 too)
    texts = {k: v for k, v in opts.items() if v is not None}
    if not texts:
        raise InvalidValue("nothing to change", "give --status, --title, --steward, ...")
    values = _parse("tasks", texts, partial=True)
    with _record(obj) as rec:
        if get_task(rec, task_id) is None:
            raise NotFound(f"there is no task {task_id}", "see 'paperkit task list'")
        with rec.write(_cli_source()) as w:
            before, after = w.update("tasks", task_id, values)
        t = get_task(rec, task_id)
    if as_json:
        _echo_json(_task_json(t))
    elif before == after:
        click.echo(f"{t.id} unchanged (rev {t.rev})")
    else:
        click.echo(f"{t.id} is now rev {t.rev}: {t.status}")


@task.command("list")
@click.option("--status", type=click.Choice(TASK_STATUSES), help="Only tasks with this status.")
@click.option("--json", "as_json", is_flag=True, help="Print the tasks as JSON.")
@pass_ctx
def task_list(obj: Context, status: str | None, as_json: bool) -> None:
    """List tasks, by id.

    \b
    Example:
      paperkit task list --status stuck
    """
    with _record(obj) as rec:
        tasks = list_tasks(rec, status)
    if as_json:
        _echo_json([_task_json(t) for t in tasks])
        return
    for t in tasks:
        extra = " | ".join(x for x in (t.timeframe, t.steward and f"steward {t.steward}",
                                       t.shadow_crew and f"shadow {t.shadow_crew}") if x)
        click.echo(printable(f"{t.id}  {t.status:<7}  rev {t.rev:<3} {t.title}"
                             + (f"  ({extra})" if extra else "")))


# -- roles ------------------------------------------------------------------------------------
@click.group("role")
def role() -> None:
    """Add and list mandates (who holds which role, from when to when).

    \b
    Example:
      paperkit role add legal-liaison Noor --starts 2026-11-24
    """


@role.command("add")
@click.argument("role_name", metavar="ROLE")
@click.argument("holder")
@click.option("--starts", metavar="DATE", help="First day (default: today).")
@click.option("--ends", metavar="DATE",
              help="Last day (default: the last day of one rotation from its start, e.g."
                   " 14 days from 2026-11-24 ends on 2026-12-07).")
@click.option("--json", "as_json", is_flag=True, help="Print the mandate as JSON.")
@pass_ctx
def role_add(obj: Context, role_name: str, holder: str, starts: str | None, ends: str | None,
             as_json: bool) -> None:
    """Give a role to a holder for one rotation (or until --ends).

    \b
    Example:
      paperkit role add comms "Rafa M." --starts 2026-11-24 --ends 2026-12-07
    """
    texts = {"role": role_name, "holder": holder,
             "starts": starts or dt.date.today().isoformat(), "ends": ends or ""}
    values = _parse("roles", texts, rotation_days=obj.kit.settings.rotation_days)
    with _record(obj) as rec, rec.write(_cli_source()) as w:
        key = w.insert("roles", values)
    if as_json:
        _echo_json({"id": key, **values})
    else:
        click.echo(f"mandate #{key}: {values['role']} held by {values['holder']}"
                   f" from {values['starts']} to {values['ends']}")


@role.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the mandates as JSON.")
@click.option("--on", "on", metavar="DATE", help="Judge expiry as of this date (default: today).")
@pass_ctx
def role_list(obj: Context, as_json: bool, on: str | None) -> None:
    """List mandates with their state: active, expiring, expired, or handed on.

    \b
    Example:
      paperkit role list
    """
    today = date_option(on, "--on") or dt.date.today()
    within = max(1, obj.kit.settings.rotation_days // 2)
    with _record(obj) as rec:
        roles = list_roles(rec)
        flagged = {m.role.id: m.state for m in mandates_needing_attention(rec, today, within)}
    out = []
    for r in roles:
        state = flagged.get(r.id) or ("handed on" if r.ends < today.isoformat() else
                                      "upcoming" if r.starts > today.isoformat() else "active")
        out.append({"id": r.id, "role": r.role, "holder": r.holder, "starts": r.starts,
                    "ends": r.ends, "state": state})
    if as_json:
        _echo_json(out)
        return
    for row in out:
        click.echo(f"#{row['id']:<3} {row['role']:<16} {row['holder']:<20} "
                   f"{row['starts']} to {row['ends']}  {row['state']}")


# -- log --------------------------------------------------------------------------------------
@click.command("log")
@click.option("--json", "as_json", is_flag=True, help="Print the events as JSON.")
@click.option("--task", "task_id", metavar="ID",
              help="Only the events of this task and of its review items.")
@click.option("--table", type=click.Choice(sorted(KEYS)),
              help="Only the events of this table.")
@click.option("-n", "--limit", type=click.IntRange(min=1), help="Only the newest N events.")
@pass_ctx
def log_cmd(obj: Context, as_json: bool, task_id: str | None, table: str | None,
            limit: int | None) -> None:
    """Show the event log: every change, where it came from, and before → after.

    The log is append-only; no command edits it. With --task, the task's own events and
    those of its review items (a scan queueing a slip, a person's decision or skip, whose
    source names the items and what was chosen, like 'T0008 reviews 5,6: set open').

    \b
    Example:
      paperkit log --task T0003
    """
    with _record(obj) as rec:
        if task_id:
            task_id = task_id.upper()
            events = task_events(rec, task_id, table=table, limit=limit)
            if not events and get_task(rec, task_id) is None:
                raise NotFound(f"there is no task {task_id}",
                               "run 'paperkit task list' to see the task ids")
        else:
            events = list_events(rec, table=table, limit=limit)
    if as_json:
        _echo_json([e.as_dict() for e in events])
        return
    if not events:
        click.echo("no events")
    for e in events:
        click.echo(_event_line(e))


def _event_line(e: Event) -> str:
    head = f"#{e.id} {e.at} {e.source_kind} [{e.source}] {e.action} {e.table} {e.row_id}"
    if e.action != "update":
        return head
    changes = ", ".join(f"{c}: {b!r} -> {a!r}" for c, (b, a) in sorted(e.changed().items()))
    return f"{head}: {changes}"


# -- ledger -----------------------------------------------------------------------------------
@click.group("ledger")
def ledger() -> None:
    """The bail-fund ledger: add entries and assertions, list them, show the balance.

    \b
    Example:
      paperkit ledger add donation 50.00 --currency USD --counterparty "Bake sale"
    """


def _default_currency(rec: Record, given: str | None) -> str:
    if given:
        return given
    known = sorted({c for c in balances(rec)} | {a.currency for a in list_assertions(rec)})
    if len(known) == 1:
        return known[0]
    raise InvalidValue("which currency?", "add --currency, like --currency USD")


@ledger.command("add")
@click.argument("kind", type=click.Choice(LEDGER_KINDS), metavar="KIND")
@click.argument("amount")
@click.option("--currency", help="An ISO 4217 code, like USD (default: the ledger's only "
                                 "currency).")
@click.option("--date", "on", metavar="DATE", help="The entry's date (default: today).")
@click.option("--counterparty", default="", help="Who paid or was paid.")
@click.option("--person", default="", help="The person concerned: a pseudonym only.")
@click.option("--note", default="", help="A short note.")
@click.option("--json", "as_json", is_flag=True, help="Print the entry as JSON.")
@pass_ctx
def ledger_add(obj: Context, kind: str, amount: str, currency: str | None, on: str | None,
               counterparty: str, person: str, note: str, as_json: bool) -> None:
    """Add a ledger entry of KIND (donation, bail-paid, bail-returned, expense or transfer).
    Amounts are positive; the kind gives the direction (donation and bail-returned in;
    bail-paid and expense out). Only a transfer is signed: put '--' before a negative
    amount. Balance assertions are checked; a failing one stops the change.

    \b
    Example:
      paperkit ledger add bail-paid 500.00 --person "Kestrel" --counterparty "County court"
      paperkit ledger add transfer --note "to the care crew" -- -120.00
    """
    with _record(obj) as rec:
        texts = {"kind": kind, "amount": amount, "currency": _default_currency(rec, currency),
                 "date": on or dt.date.today().isoformat(), "counterparty": counterparty,
                 "person": person, "note": note}
        values = _parse("ledger", texts, held=held_currencies(rec))
        with rec.write(_cli_source()) as w:
            key = w.insert("ledger", values)
        total = balances(rec).get(values["currency"], 0)
    if as_json:  # money as 'ledger list --json' gives it: the amount as written, and minor units
        cur = values["currency"]
        _echo_json({"id": key, **values, "amount": format_amount(values["amount"], cur),
                    "minor": values["amount"], "balance": format_amount(total, cur),
                    "balance_minor": total})
    else:
        click.echo(f"entry #{key}: {kind} {_money(values['amount'], values['currency'])};"
                   f" balance {_money(total, values['currency'])}")


@ledger.command("assert")
@click.argument("on", metavar="DATE")
@click.argument("amount")
@click.argument("currency")
@pass_ctx
def ledger_assert(obj: Context, on: str, amount: str, currency: str) -> None:
    """Record a balance assertion: the balance at the end of DATE is AMOUNT CURRENCY.
    It is checked now and on every later change.

    \b
    Example:
      paperkit ledger assert 2026-11-01 1234.00 USD
    """
    with _record(obj) as rec:
        values = _parse("ledger", {"kind": "assert", "date": on, "amount": amount,
                                   "currency": currency}, held=held_currencies(rec))
        with rec.write(_cli_source()) as w:
            key = w.insert("ledger_assertions", values)
    click.echo(f"assertion #{key} holds: {on} {_money(values['amount'], values['currency'])}")


@ledger.command("balance")
@click.option("--json", "as_json", is_flag=True, help="Print the balances as JSON.")
@click.option("--on", "on", metavar="DATE", help="The balance at the end of DATE.")
@pass_ctx
def ledger_balance(obj: Context, as_json: bool, on: str | None) -> None:
    """Show the balance per currency.

    \b
    Example:
      paperkit ledger balance --json
    """
    day = date_option(on, "--on")
    with _record(obj) as rec:
        totals = balances(rec, day.isoformat() if day else None)
    if as_json:
        _echo_json(money_json(totals))
        return
    if not totals:
        click.echo("no entries")
    for c, v in totals.items():
        click.echo(_money(v, c))


@ledger.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the entries as JSON.")
@pass_ctx
def ledger_list(obj: Context, as_json: bool) -> None:
    """List the entries by date with the running balance, then the assertions.

    \b
    Example:
      paperkit ledger list
    """
    with _record(obj) as rec:
        entries = running(rec)
        assertions = list_assertions(rec)
    if as_json:
        _echo_json({
            "entries": [{"id": e.id, "date": e.date, "kind": e.kind,
                         "amount": format_amount(e.amount, e.currency), "minor": e.amount,
                         "currency": e.currency, "counterparty": e.counterparty,
                         "person": e.person, "note": e.note,
                         "balance": format_amount(bal, e.currency), "balance_minor": bal}
                        for e, bal in entries],
            "assertions": [{"id": a.id, "date": a.date,
                            "amount": format_amount(a.amount, a.currency), "minor": a.amount,
                            "currency": a.currency} for a in assertions]})
        return
    for e, bal in entries:
        click.echo(f"#{e.id:<4} {e.date} {e.kind:<13} {format_amount(e.amount, e.currency):>10}"
                   f" {e.currency}  balance {format_amount(bal, e.currency):>10}"
                   f"  {e.counterparty}{' / ' + e.person if e.person else ''}"
                   f"{'  (' + e.note + ')' if e.note else ''}")
    for a in assertions:
        click.echo(f"assert {a.date} {_money(a.amount, a.currency)}")


# -- backup -----------------------------------------------------------------------------------
@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False))
@pass_ctx
def backup_cmd(obj: Context, file: str) -> None:
    """Copy the record to FILE, consistently, with SQLite's backup API. Never overwrites a
    file; the copy is readable by you alone. 'paperkit restore FILE' puts it back. Only
    the record is in the copy: not the key (kit.key: keep it safe separately), nor the
    settings (kit.toml: the name, languages, hotlines and charter), nor the kit's own
    paper stocks (layouts/), nor the stored photos and their crops (photos/, the only copy
    of the handwritten after-action notes): keep a copy of those too.

    \b
    Example:
      paperkit backup /media/usb/record-2026-11-25.sqlite
      cp kit.toml /media/usb/kit-2026-11-25.toml
      cp -r photos /media/usb/photos-2026-11-25
    """
    with _record(obj) as rec:
        dest = backup_record(rec, Path(file))
    click.echo(f"backed up the record to {dest}")
    outside = obj.kit.outside_the_record()

    def listed(items: list[str]) -> str:
        return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"

    left = ["kit.key (it signs the slips)"]
    keep = ["kit.key"]
    if outside.toml:
        left.append("kit.toml (the group's name, languages, hotlines and charter)")
        keep.append("kit.toml")
    if outside.layouts:
        left.append(f"the kit's own paper stocks in layouts/ ({outside.layouts} file(s))")
        keep.append("layouts/")
    if outside.photos:
        left.append(f"{outside.photos} photo and crop file(s) in {obj.kit.photos_dir} (copy"
                    " that folder too to keep them)")
    click.echo(f"not in the copy: {listed(left)}")
    click.echo(f"keep a copy of {listed(keep)} somewhere safe too (kit.key apart from the"
               " record's copies): a record restored into a new 'paperkit init' kit prints"
               " cards without the group's hotlines, and no slip printed so far can be read"
               " back without this kit's kit.key")
