"""paperkit init."""

from __future__ import annotations

import click

from ..kit import init_kit


def register(cli: click.Group) -> None:
    @cli.command("init")
    @click.argument("path", default=".", type=click.Path(file_okay=False))
    @click.option("--name", help="The group's name (default: the folder's name).")
    def init(path: str, name: str | None) -> None:
        """Create a kit folder: kit.toml, record.sqlite, kit.key (mode 0600) and photos/.

        Refuses to touch a folder that already holds a key, record or kit.toml.

        \b
        Example:
          paperkit init ~/kits/riverside --name "Riverside Mutual Aid"
        """
        kit = init_kit(path, name)
        click.echo(f"created kit {kit.id} in {kit.path}")
        click.echo("edit kit.toml for your group's name, languages, paper and hotlines")
