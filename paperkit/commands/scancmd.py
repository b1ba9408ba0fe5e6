"""paperkit scan PHOTO... and paperkit review: a thin layer over paperkit.scan."""

from __future__ import annotations

import atexit
import functools
import json
import signal
from pathlib import Path

import click

from ..errors import EXIT_ATTENTION, EXIT_OK, ScanInterrupted
from ..record.models import SLIP_STATUSES
from ..scan import DECODERS, PhotoResult, review, scan_photos
from ..scan.decide import QUEUED, SETTLED
from ..scan.pipeline import TYPED, TYPED_MARKS, end_run, left_out_results, type_slip
from ..signals import stop_signals_interrupt
from . import printable


def _table(res: PhotoResult) -> list[str]:
    return [printable(line) for line in _lines(res)]


def _lines(res: PhotoResult) -> list[str]:
    head = f"{res.photo}"
    if res.sha256:
        head += f"  (sha256 {res.sha256[:12]})"
    if res.dry_run:
        head += "  [dry run: nothing written]"
    lines = [head]
    if res.already_scanned:
        done = "typed in" if res.photo.startswith(TYPED) else "scanned"
        lines.append(f"  already {done} on {res.already_scanned}; nothing changed"
                     + _still_open(res))
    if res.read_again:
        lines.append(f"  read again (first scanned on {res.read_again}): what that scan"
                     " decided stands; below, only the slips it could not apply or did not"
                     " read")
    for err in res.errors:
        lines.append(f"  error: {err}")
    if res.slips:
        lines.append(f"  {'task':<8} {'rev':>4}  {'read':<8} {'outcome':<13} {'conf':>5}  why")
    for s in res.slips:
        flag = "" if s.outcome in SETTLED else "  <-"
        lines.append(f"  {s.task or '?':<8} {s.rev if s.rev is not None else '':>4}  "
                     f"{s.status or '-':<8} {s.outcome:<13} {s.confidence:>5.2f}  "
                     f"{s.reason}{flag}")
    lines.extend(f"  tip: {tip}" for tip in res.advice)
    return lines


def _still_open(res: PhotoResult) -> str:
    """What a photo scanned before still needs, as read then: slips waiting for review,
    and slips no scan applies (pipeline._scanned_before)."""
    waiting = sum(1 for s in res.slips if s.outcome in QUEUED)
    refused = len(res.slips) - waiting
    parts = ([f"{waiting} slip(s) read from it then still wait for review"] if waiting else []) \
        + ([f"{refused} slip(s) it holds cannot be applied"] if refused else [])
    again = (f"; once the kit's key or the task is put right, 'paperkit scan --again"
             f" {res.photo}' reads those again") if refused else ""
    return f" ({'; '.join(parts)}: below{again})" if parts else ""


def _summary(results: list[PhotoResult]) -> str:
    counts: dict[str, int] = {}
    for r in results:
        for s in () if r.already_scanned else r.slips:
            counts[s.outcome] = counts.get(s.outcome, 0) + 1
    with_errors = sum(1 for r in results if r.errors)  # or a slip whose code was not read
    already = sum(1 for r in results if r.already_scanned)
    waiting = sum(1 for r in results if r.already_scanned for s in r.slips
                  if s.outcome in QUEUED)
    refused = sum(1 for r in results if r.already_scanned for s in r.slips
                  if s.outcome not in QUEUED)
    parts = [f"{n} {k}" for k, n in sorted(counts.items())]
    if already:  # read before: their slips are in the record already, not "not read"
        parts.append(f"{already} scanned before (nothing changed"
                     + (f"; {waiting} of their slips still wait for review" if waiting else "")
                     + (f"; {refused} of their slips cannot be applied" if refused else "")
                     + ")")
    if with_errors:
        parts.append(f"{with_errors} photo(s) with errors (above)")
    return f"{len(results)} photo(s): " + (", ".join(parts) if parts else "no slips read")


def _left_out_note(skipped: list[PhotoResult]) -> str:
    names = ", ".join(Path(r.photo).name for r in skipped[:8]) + (
        f" and {len(skipped) - 8} more" if len(skipped) > 8 else "")
    return (f"not read: {len(skipped)} picture(s) in the folder(s) named, in a format paperkit"
            f" does not read ({names}); if one is a photo of slips, save it as JPEG, PNG,"
            " HEIC, PDF or TIFF and scan it")


@functools.cache  # once a process
def _quiet_exit() -> None:
    """Once a scan command is over, a Ctrl-C while the interpreter exits (multiprocessing's
    finalizers, the threads' last joins) is ignored: there is nothing left to stop, and
    Python would print a traceback for it ("Exception ignored in ...") and exit 1. atexit
    runs the last registered first, so this runs before those registered earlier."""
    atexit.register(_ignore_ctrl_c)


def _ignore_ctrl_c() -> None:
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread or interpreter
        pass


def register(cli: click.Group) -> None:
    from ..cli import pass_ctx

    @cli.command("scan")
    @click.argument("photos", nargs=-1, required=True,
                    type=click.Path(path_type=Path, readable=False))  # unreadable: its own error
    @click.option("--dry-run", is_flag=True, help="Read and report, but write nothing.")
    @click.option("--json", "as_json", is_flag=True,
                  help="Print one JSON object per photo (one per line).")
    @click.option("--decoder", type=click.Choice(DECODERS), default="zxing", show_default=True,
                  help="QR decoder: zxing-cpp (built in) or zbar (needs libzbar0).")
    @click.option("--again", is_flag=True,
                  help="Read again the slips that an earlier scan of the same photo could not"
                       " apply (another kit's code, a forged code, a task not in the record),"
                       " once the kit's key or the task is put back; what it decided stands.")
    @pass_ctx
    def scan(obj, photos: tuple[Path, ...], dry_run: bool, as_json: bool, decoder: str,
             again: bool) -> int:
        """Read photos of marked task slips back into the record.

        Takes JPEG, PNG, HEIC, PDF or TIFF files (also WebP, AVIF, BMP and JPEG 2000), or
        folders of them, sub-folders too (a picture there in another format, a camera's RAW
        file say, is listed with an error, and skipped): phone photos at any angle, or
        flatbed scans, with one or many slips each. Each photo is applied in one transaction and
        remembered by its sha256, so scanning it again changes nothing.
        Only a clear single mark on a current slip changes a task; anything unsure goes to
        'paperkit review'. A slip whose photos fail can be typed in: 'paperkit type'.

        A photo scanned before is not read again: it repeats that scan's errors and lists
        its slips still waiting for review, and those it could not apply. --again reads
        those again (after putting back the kit.key a record's slips were printed with, or
        importing the missing task); the slips that scan applied, left unchanged or sent
        to review stand as they are. --dry-run
        reports what a real run would do, later photos judged against what earlier ones
        read, and writes nothing.

        Exit code: 0 when every slip was applied or unchanged, 1 when anything needs
        review (also a photo scanned before whose slips still wait for it, or that holds
        slips it could not apply) or a photo could not be read, 2 for usage errors, 130
        when stopped with Ctrl-C, SIGTERM or SIGHUP (the photos scanned before the stop
        are kept: run the same command again to finish).

        \b
        Example:
          paperkit scan meeting/IMG_0412.jpg meeting/IMG_0413.heic
          paperkit scan meeting/
          paperkit scan --dry-run --json board.jpg
          paperkit scan --again meeting/IMG_0412.jpg
        """
        kit = obj.kit
        done: list[PhotoResult] = []  # each photo as it is committed
        shown = 0  # of them, shown already

        def show(res: PhotoResult) -> None:
            if as_json:
                click.echo(json.dumps(res.as_json(), ensure_ascii=False))
            else:
                click.echo("\n".join(_table(res)))

        def progress(i: int, n: int, res: PhotoResult) -> None:
            done.append(res)
            if n > 1:
                bad = sum(1 for s in res.slips if s.outcome not in SETTLED) + len(res.errors)
                click.echo(printable(f"[{i}/{n}] {res.photo}: {len(res.slips)} slip(s)")
                           + (f", {bad} need attention" if bad else ""), err=True)

        def pages(i: int, n: int, label: str) -> None:
            click.echo(printable(f"  {label.rsplit('#', 1)[0]}: page {i} of {n}"), err=True)

        # SIGTERM and SIGHUP (a closed terminal) stop the scan as Ctrl-C does, so that the
        # helper process and its shared memory go with it; the helper and the scan's
        # threads are stopped inside this guard, so that a Ctrl-C as the run ends meets
        # them here, not at the interpreter's exit (where one is then ignored)
        with stop_signals_interrupt():
            try:
                with kit.open_record() as rec:
                    if not dry_run:  # a read-only kit: said before any photo is read
                        rec.check_writable()
                    results = scan_photos(kit, rec, photos, dry_run=dry_run, decoder=decoder,
                                          progress=progress, pages=pages, again=again)
                for res in results:
                    show(res)
                    shown += 1
                # pictures the folders hold in formats that are not read: an error each
                unread = left_out_results(photos, dry_run)
                for res in unread:
                    show(res)
                if unread:  # (and together, on stderr, as before)
                    click.echo(_left_out_note(unread), err=True)
                results = [*results, *unread]
                if not as_json:
                    click.echo(_summary(results))
                    if any(s.outcome in ("review", "stale") for r in results for s in r.slips):
                        click.echo("some slips need a person: run 'paperkit review'")
                end_run()
            except KeyboardInterrupt:  # show what was committed before it
                end_run()
                for res in done[shown:]:
                    show(res)
                raise ScanInterrupted(sum(1 for r in done if not r.already_scanned
                                          and r.sha256), dry_run) from None
            except Exception:  # a busy record, a full disk: first, what was committed before
                for res in done[shown:]:
                    show(res)
                kept = sum(1 for r in done if not r.already_scanned and r.sha256)
                if kept and not dry_run:
                    click.echo(f"paperkit: note: the {kept} photo(s) scanned before the error"
                               " below are kept in the record (shown above); when it is put"
                               " right, run the same command again to finish (photos scanned"
                               " already are skipped)", err=True)
                raise
            finally:
                _quiet_exit()
        return EXIT_OK if all(r.ok for r in results) else EXIT_ATTENTION

    @cli.command("type")
    @click.argument("code")
    @click.argument("mark", type=click.Choice(TYPED_MARKS, case_sensitive=False))
    @click.option("--dry-run", is_flag=True, help="Decide and report, but write nothing.")
    @click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
    @pass_ctx
    def type_(obj, code: str, mark: str, dry_run: bool, as_json: bool) -> int:
        """Type in a slip whose photos fail: CODE, the letters printed under its QR code,
        and MARK, the box marked on it (or none).

        It is decided as a scanned slip whose boxes read so clearly: applied, unchanged,
        stale (printed before the task last changed), or sent to review (another photo of
        it read otherwise); another kit's code, or one mistyped (the code's last part signs
        the rest, so a typo never reaches another task), changes nothing. Spaces and small
        letters do not matter, nor a zero typed for the letter O. Typing the same slip
        again changes nothing. Exit code as for scan.

        \b
        Example:
          paperkit type PK1:K3F9:T0042:3:ABCDEFGH done
          paperkit type "pk1:k3f9:t0042:3:abcdefgh" none --dry-run
        """
        with obj.kit.open_record() as rec:
            res = type_slip(obj.kit, rec, code, mark, dry_run=dry_run)
        if as_json:
            click.echo(json.dumps(res.as_json(), ensure_ascii=False))
        else:
            click.echo("\n".join(_table(res)))
            if any(s.outcome in QUEUED for s in res.slips):
                click.echo("the slip needs a person: run 'paperkit review'")
        return EXIT_OK if res.ok else EXIT_ATTENTION

    @cli.group("review", invoke_without_command=True)
    @click.option("--json", "as_json", is_flag=True, help="Print the queue as JSON.")
    @click.pass_context
    def review_group(ctx: click.Context, as_json: bool) -> int | None:
        """List the slips a scan could not settle, lowest confidence first.

        Each item shows its task with its title and what it is now (status and rev), then
        the slip's rev, what the scan read, why it needed a person (as said at the scan),
        and the path of the slip's picture (inside the kit folder) to look at. Exits 1
        while any item waits, 0 when the queue is empty.

        \b
        Example:
          paperkit review
          paperkit review set T0042 done
          paperkit review skip T0042
        """
        if ctx.invoked_subcommand is not None:
            return None
        kit = ctx.obj.kit
        with kit.open_record() as rec:
            items = review.pending(rec)
            now = review.tasks_now(rec, items)
        if as_json:
            click.echo(json.dumps([{
                "id": i.id, "task": i.task, "rev": i.rev, "suggested": i.suggested or None,
                "read": i.read, "confidence": i.confidence, "reason": i.reason,
                "crop": str(kit.path / i.crop) if i.crop else None, "scan": i.scan_sha256,
                "title": now[i.task].title if now[i.task] else None,
                "now": ({"status": now[i.task].status, "rev": now[i.task].rev}
                        if now[i.task] else None),
            } for i in items], ensure_ascii=False, indent=1))
            return EXIT_ATTENTION if items else EXIT_OK
        if not items:
            click.echo("nothing to review")
            return EXIT_OK
        for i in items:
            task = now[i.task]
            order = [*SLIP_STATUSES, *sorted(set(i.read) - set(SLIP_STATUSES))]
            reads = " ".join(f"{k}={i.read[k]:.2f}" for k in order if k in i.read)
            click.echo(f"{i.task} {task.title!r}  now: {task.status}, rev {task.rev}" if task
                       else f"{i.task} (no longer in the record)")
            click.echo(f"    item {i.id}: slip rev {i.rev}  read: {i.suggested or '-'}  "
                       f"confidence {i.confidence:.2f}")
            click.echo(f"    why, when scanned: {i.reason}")
            click.echo(f"    boxes: {reads}")
            if i.crop:
                picture = kit.path / i.crop
                click.echo(f"    picture: {picture}" + ("" if picture.is_file() else
                           "  (missing: the kit's photos/ folder was not copied or restored"
                           " with its record; look at the slip itself)"))
        click.echo(f"{len(items)} to review; decide with 'paperkit review set TASK STATUS' "
                   "or 'paperkit review skip TASK'")
        return EXIT_ATTENTION

    @review_group.command("set")
    @click.argument("task")
    @click.argument("status")
    @click.option("--json", "as_json", is_flag=True, help="Print what was done as JSON.")
    @pass_ctx
    def review_set(obj, task: str, status: str, as_json: bool) -> None:
        """Decide a slip in the queue: set TASK to STATUS, one of open, taken, done,
        stuck or dropped (your value wins; it is logged). Every item of TASK waiting in
        the queue is closed. Its printed slip is then out of date, also when TASK keeps
        its status (its rev goes up): reprint it, as the message says.

        \b
        Example:
          paperkit review set T0042 done
        """
        task = task.strip().upper()  # (as 'task set' takes it)
        with obj.kit.open_record() as rec:
            done = review.set_status(rec, task, status.lower())
        if as_json:
            click.echo(json.dumps({**done.as_dict(), "reprint": _reprint(task)},
                                  ensure_ascii=False, indent=1))
            return
        closed = (f"{len(done.closed)} review items closed" if len(done.closed) > 1
                  else "review closed")
        head = (f"{task} stays {done.after}" if done.kept
                else f"{task}: {done.before} → {done.after}")
        click.echo(f"{head}; {closed}. Its printed slip is now out of date: reprint it with "
                   f"'{_reprint(task)}'")

    @review_group.command("skip")
    @click.argument("task")
    @click.option("--json", "as_json", is_flag=True, help="Print what was done as JSON.")
    @pass_ctx
    def review_skip(obj, task: str, as_json: bool) -> None:
        """Close TASK's review items and leave the task as it is (status and rev).

        \b
        Example:
          paperkit review skip T0042
        """
        task = task.strip().upper()  # (as 'task set' takes it)
        with obj.kit.open_record() as rec:
            done = review.skip(rec, task)
        if as_json:
            click.echo(json.dumps(done.as_dict(), ensure_ascii=False, indent=1))
            return
        state = f"; it is unchanged ({done.after}, rev {done.rev})" if done.rev else ""
        click.echo(f"{task}: {len(done.closed)} review item(s) skipped{state}")


def _reprint(task: str) -> str:
    """The command that prints ``task``'s slip again, at its rev now."""
    return f"paperkit print slips --task {task}"
