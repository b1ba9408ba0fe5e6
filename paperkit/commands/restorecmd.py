"""paperkit restore: put a backup back as the kit's record (or start the record over)."""

from __future__ import annotations

import json

import click

from ..cli import Context, pass_ctx
from ..errors import InvalidValue
from ..record.backup import Restored, restore

#: How each counted table is named in the summary (singular, plural).
NOUNS = {"tasks": ("task", "tasks"), "contacts": ("contact", "contacts"),
         "ledger": ("ledger entry", "ledger entries"), "roles": ("mandate", "mandates"),
         "prints": ("print", "prints"), "scans": ("scanned photo", "scanned photos"),
         "events": ("event", "events")}


def _counts(done: Restored) -> str:
    return ", ".join(f"{n} {NOUNS[t][n != 1]}" for t, n in done.counts.items())


def _report(done: Restored) -> None:
    if done.source is None:
        click.echo(f"started the record over, empty: {done.record}")
    else:
        newest = done.newest_event or "none (it holds no change)"
        click.echo(f"restored the record from {done.source}: its newest change is from"
                   f" {newest}; {_counts(done)}")
    if done.migrated:
        click.echo(f"brought up to date for this paperkit (schema version {done.schema})")
    if done.kept:
        main, *sides = done.kept
        with_sides = f", with {' and '.join(p.name for p in sides)}" if sides else ""
        what = (f"the record it replaced (newest change {done.kept_newest})"
                if done.kept_newest else "the file it replaced")
        click.echo(f"{what} is kept as {main}{with_sides}: nothing was deleted")
    else:
        click.echo("there was no record before it")
    if done.source is None:
        click.echo("every slip printed so far goes to review when scanned (a scan applies only"
                   " the slips its record printed): print the slips again once the tasks"
                   " are in")
    else:
        since = f" after {done.newest_event}" if done.newest_event else ""
        click.echo(f"slips printed{since} go to review when scanned (a scan applies only the"
                   " slips its record printed, and this one has not printed them): print"
                   " the slips again ('paperkit print slips') to use them")
    click.echo("kit.toml, kit.key, layouts/ and photos/ are as they were")


def register(cli: click.Group) -> None:
    @cli.command("restore")
    @click.argument("file", required=False, type=click.Path(dir_okay=False))
    @click.option("--empty", is_flag=True,
                  help="Start the record over, empty, instead of restoring a backup (the "
                       "record it replaces is kept aside all the same).")
    @click.option("--json", "as_json", is_flag=True, help="Print what was done as JSON.")
    @pass_ctx
    def restore_cmd(obj: Context, file: str | None, empty: bool, as_json: bool) -> None:
        """Put FILE, a copy 'paperkit backup' made, back as the kit's record. Never copy a
        backup over record.sqlite by hand: SQLite would replay a record.sqlite-wal left
        beside it (after a crash or a power cut) into the copy, mixing the two records.

        FILE is checked first (a paperkit record, not newer than this paperkit, whole).
        The record it replaces is moved aside with its -wal and -shm, never deleted, as
        record.sqlite.replaced-<UTC time>. Refused while the kiosk or another command
        has the record open: stop it first. Works when the record is missing, empty or
        damaged. Changes made after the backup are not in it, and slips printed after it
        go to review when scanned. With --empty instead of FILE, the record starts over
        with no rows (the way to start a kit over; an empty record.sqlite file is
        refused as a failed copy).

        \b
        Example:
          paperkit restore /media/usb/record-2026-11-25.sqlite
          paperkit restore --empty
        """
        if empty == (file is not None):
            raise InvalidValue("name the backup FILE to restore, or give --empty to start the"
                               " record over (one of the two)",
                               "e.g. 'paperkit restore /media/usb/record-2026-11-25.sqlite'")
        done = restore(obj.kit.record_path, None if empty else file)
        if as_json:
            click.echo(json.dumps(done.as_dict(), ensure_ascii=False, indent=2))
        else:
            _report(done)
