"""paperkit kiosk: the meeting laptop's web app (DESIGN §7)."""

from __future__ import annotations

import click

from ..kiosk.access import access_url, terminal_qr
from ..kiosk.server import DEFAULT_PORT


def register(cli: click.Group) -> None:
    from ..cli import pass_ctx

    @cli.command("kiosk")
    @click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT,
                  show_default=True, help="The port to listen on (0: any free port).")
    @click.option("--lan", is_flag=True,
                  help="Listen on every network interface so phones on the same Wi-Fi can "
                       "upload; shows the access link as a QR code and a poster.")
    @pass_ctx
    def kiosk(ctx, port: int, lan: bool) -> None:
        """Serve the kiosk: the live board, photo upload (the same scan as 'paperkit scan'),
        the review queue, a print centre, the ledger and the crew's contacts.

        It listens on 127.0.0.1 unless --lan is given. Every visit needs the access link
        printed below: it holds a random token made at each start, so stopping the kiosk
        (Ctrl+C, or SIGTERM/SIGHUP: 'kill', closing the terminal) locks everyone out and
        removes the photos being uploaded. With --lan, open the kiosk's Access page to show the
        link as a QR code for phones, or print it as a poster.

        \b
        Example:
          paperkit kiosk --lan --port 8765
        """
        from ..kiosk import create_app, make_server
        from ..kiosk.views import stop_uploads

        kit = ctx.kit
        app = create_app(kit, lan=lan)
        server = make_server(app, port=port, lan=lan)
        url = access_url(app.config["KIOSK_BASE_URL"], app.config["KIOSK_TOKEN"])
        where = "this laptop and the local network" if lan else "this laptop only"
        click.echo(f"paperkit kiosk for {kit.settings.name} ({where})")
        click.echo(f"open: {url}")
        if lan:
            if url.startswith("http://127."):
                click.echo("no network address found: join the meeting's Wi-Fi and restart")
            else:
                click.echo("phones on the same Wi-Fi can scan this, or the QR code and poster "
                           "on the kiosk's Access page:")
                click.echo(terminal_qr(url), nl=False)
        click.echo("the link works until you stop the kiosk with Ctrl+C")
        # the record held open while the kiosk serves (each request opens its own): a
        # 'paperkit restore' then refuses, as it says it does while the kiosk runs (with no
        # request under way it went ahead, and the pages showed another record)
        held = kit.open_record()
        held.query_one("SELECT 1 FROM sqlite_master LIMIT 1")  # (a read maps its WAL index)
        try:
            server.run()
        except KeyboardInterrupt:
            pass
        finally:
            app.extensions["paperkit"].stopping.set()  # an upload being read ends soon
            server.close()
            stop_uploads(app)
            held.close()
        click.echo("kiosk stopped; its access link no longer works")
