"""Command line: thin wiring from arguments to the modules that do the work."""

from __future__ import annotations

import sys

import click

from autofix import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="autofix")
def cli() -> None:
    """Find, by trial and error, the exact IAM permissions a deployment needs."""


@cli.command()
@click.argument("source", default="-", type=click.File("r", encoding="utf-8", errors="replace"))
@click.option("--json", "as_json", is_flag=True, help="Print the machine-readable contract.")
def explain(source: click.utils.LazyFile, as_json: bool) -> None:
    """Explain the permission errors in error text (FILE, or - for stdin)."""
    from autofix.explain import explain_human, explain_json

    text = source.read()
    click.echo(explain_json(text) if as_json else explain_human(text))


def main() -> None:
    try:
        cli.main(prog_name="autofix", standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
