"""The command line: a thin click layer over the library.

Each command lives in ``paperkit/commands/`` and is a few lines that call the library.
This module owns the root group and the one place where errors become messages and
exit codes: 0 ok, 1 needs attention, 2 bad input or usage, 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import errno
import re
import sqlite3
import sys
from pathlib import Path

import click
from click.core import ParameterSource

from . import __version__
from .errors import (
    EXIT_ATTENTION,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    KitIncomplete,
    KitNotFound,
    PaperkitError,
)
from .kit import Kit, open_kit, overridden_kit
from .record.db import damaged, is_damage


class Context:
    """What every command gets: the --kit option, opened lazily. ``from_env``: the path
    came from $PAPERKIT_KIT, not from --kit."""

    def __init__(self, kit_path: str | None, from_env: bool = False):
        self.kit_path = kit_path
        self.from_env = from_env
        self._kit: Kit | None = None

    @property
    def kit(self) -> Kit:
        if self._kit is None:
            try:
                self._kit = open_kit(self.kit_path)
            except KitNotFound as exc:
                if not self.from_env or isinstance(exc, KitIncomplete):
                    raise
                raise KitNotFound(f"{exc}; $PAPERKIT_KIT names it",
                                  "set PAPERKIT_KIT to a kit folder, or unset it: paperkit"
                                  " then looks in this folder and its parents") from None
            if self.from_env:
                _say_overridden(self._kit.path)
        return self._kit


def _say_overridden(chosen: Path) -> None:
    """One line on stderr when $PAPERKIT_KIT chose ``chosen`` while the current folder is
    in another kit (stdout stays clean for --json)."""
    here = overridden_kit(chosen)
    if here is None:
        return
    choose = "." if here == Path.cwd().resolve() else str(here)
    click.echo(f"paperkit: note: using the kit {chosen} from $PAPERKIT_KIT, not the kit"
               f" {here} this folder is in (to use that one, run 'paperkit --kit {choose}"
               " ...', or 'unset PAPERKIT_KIT')", err=True)


pass_ctx = click.make_pass_decorator(Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--kit", "kit_path", metavar="PATH", envvar="PAPERKIT_KIT",
              help="The kit folder (default: this folder or a parent; or $PAPERKIT_KIT).")
@click.version_option(__version__, prog_name="paperkit")
@click.pass_context
def cli(ctx: click.Context, kit_path: str | None) -> None:
    """paperkit keeps one local record for an organising group, prints its paper tools
    from it, and reads photos of completed slips back into it. Everything runs offline.

    \b
    Example:
      paperkit init mykit && cd mykit && paperkit status
    """
    from_env = ctx.get_parameter_source("kit_path") is ParameterSource.ENVIRONMENT
    ctx.obj = Context(kit_path, from_env)


def _register() -> None:
    from .commands import register_all

    register_all(cli)


_register()


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; turn paperkit errors into one-line messages and exit codes."""
    try:
        code = cli.main(args=argv, prog_name="paperkit", standalone_mode=False)
    except PaperkitError as exc:
        click.echo(f"paperkit: {exc.user_message()}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort as exc:
        if isinstance(exc.__cause__ or exc.__context__, KeyboardInterrupt):  # Ctrl-C, which
            _interrupted()  # click turns into Abort
        click.echo("paperkit: aborted", err=True)  # a prompt answered "no"
        sys.exit(EXIT_USAGE)
    except click.ClickException as exc:
        if isinstance(exc, click.NoSuchOption) and _NUMBER.match(exc.option_name):
            given = next((a for a in (argv if argv is not None else sys.argv[1:])
                          if a.startswith(exc.option_name)), exc.option_name)
            exc.message = (f"{given!r} was read as an option: put -- before a negative"
                           " number, as in 'paperkit ledger add transfer -- -120.00'")
        exc.show()
        sys.exit(EXIT_USAGE if exc.exit_code == 2 else exc.exit_code)
    except KeyboardInterrupt:
        _interrupted()
    except OSError as exc:  # the disk or the file system, not paperkit's input
        click.echo(f"paperkit: {_os_message(exc)}", err=True)
        sys.exit(EXIT_ATTENTION)
    except UnicodeEncodeError:  # a name or a path in letters this locale cannot write
        click.echo("paperkit: a text holds characters this terminal's language setting"
                   " cannot write (set a UTF-8 locale, e.g. 'export LANG=C.UTF-8', then"
                   " run this again)", err=True)
        sys.exit(EXIT_USAGE)
    except sqlite3.DatabaseError as exc:  # the record file itself (full disk, damage)
        if is_damage(exc):  # bad pages: no disk space helps
            err = damaged("(record.sqlite)", exc, "the change that failed was not kept")
            click.echo(f"paperkit: {err.user_message()}", err=True)
            sys.exit(err.exit_code)
        click.echo(f"paperkit: the record could not be read or written: {exc}; the change "
                   "that failed was not kept (free some disk space and run it again; if "
                   "the record is damaged, restore it from a 'paperkit backup' copy with "
                   "'paperkit restore FILE')", err=True)
        sys.exit(EXIT_ATTENTION)
    sys.exit(code if isinstance(code, int) else 0)


#: An "option" that is a negative number ('-120.00' read as the options -1, -2, ...).
_NUMBER = re.compile(r"^-[0-9.]")


def _interrupted() -> None:
    """Ctrl-C: say so and exit 130 (a command that can say more, as ``scan`` does, raises
    :class:`errors.Interrupted` instead)."""
    click.echo("paperkit: interrupted; the record is unchanged by the unfinished step",
               err=True)
    sys.exit(EXIT_INTERRUPTED)


#: What to do next, by the errno of a failed read or write.
_OS_HINTS = {
    errno.ENOSPC: "free some disk space, then run it again",
    errno.EDQUOT: "free some disk space, then run it again",
    errno.EACCES: "check that you may read that file and write to the kit folder and the"
                  " output folder",
    errno.EPERM: "check that you may read that file and write to the kit folder and the"
                 " output folder",
    errno.EROFS: "the disk is read-only (a write-protected USB stick or a CD?): for a file"
                 " in the kit folder, copy the whole kit folder to a writable disk and use"
                 " the copy, 'paperkit --kit COPY ...'; for an output file, choose a folder"
                 " on a writable disk",
}


def _os_message(exc: OSError) -> str:
    """An operating-system error as a message: what failed, on which file, what to do."""
    what = exc.strerror or str(exc)
    where = f" ({exc.filename})" if exc.filename else ""
    hint = _OS_HINTS.get(exc.errno, "check the file and the disk, then run it again")
    return f"could not read or write a file: {what}{where} ({hint})"
