"""Command line: click only. Each command hands its arguments to `autofix.commands`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import click

from autofix import __version__, untrusted
from autofix.cli_options import F, dir_option, file_option, json_option
from autofix.errors import AutofixError, ExitCode
from autofix.policy.render import FORMATS as RENDER_FORMATS
from autofix.records.lock import describe
from autofix.sandbox.server import SandboxError, SandboxStopped


def _config_option(command: F) -> F:
    return click.option(
        "-c",
        "--config",
        "config_path",
        type=click.Path(path_type=Path),
        help="autofix.toml, or a pyproject.toml with [tool.autofix].",
    )(command)


def _out_option(command: F) -> F:
    command = click.option(
        "--force",
        is_flag=True,
        help="Write into an --out directory that holds files but is not an autofix output.",
    )(command)
    return dir_option("--out", help="Output directory (default: .autofix/ beside the config).")(
        command
    )


def _portable_option(help_text: str) -> Callable[[F], F]:
    return click.option(
        "--portable", type=click.Choice(["cloudformation", "terraform", "plain"]), help=help_text
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="autofix")
def cli() -> None:
    """Find, by trial and error, the exact IAM permissions a deployment needs."""


@cli.command(context_settings={"ignore_unknown_options": False})
@_config_option
@_out_option
@file_option(
    "--from",
    "start_policy",
    help="Start from this saved policy and widen only what is newly missing.",
)
@click.option("--max-attempts", type=click.IntRange(min=1), help="Attempts per step.")
@click.option(
    "--scope",
    type=click.Choice(["resource", "service", "any"]),
    help="How tightly grants are scoped to resources.",
)
@click.option("--region", help="Region (with -- COMMAND, no config file).")
@click.option(
    "--allow-self-edit",
    is_flag=True,
    help="Let grants touch the deployer's own permissions (flagged, not refused).",
)
@click.option(
    "--trust-output",
    is_flag=True,
    help="Grant denials read from a step's output even when the account never recorded "
    "them (on a real account: escalation and data-access ones too). Recorded in the ledger.",
)
@_portable_option("Also write policy.portable.json with the account and region as placeholders.")
@click.option(
    "--verify/--no-verify",
    default=True,
    show_default=True,
    help="Replay the final policy in a fresh account (grant what it still needs, prune what "
    "it never used); without it the result is reported unverified.",
)
@click.option(
    "--strategy",
    type=click.Choice(["trial", "observe", "predict"]),
    default="predict",
    show_default=True,
    help="trial: grant each denial and retry; observe (embedded sandbox): one soft attempt per "
    "step records every would-be denial, then the verify pass proves the policy enforced; "
    "predict: before each step, grant what its packaged template and the tool's profile "
    "need, then trial (the verify pass prunes what no replay used).",
)
@dir_option(
    "--resume",
    "resume_dir",
    help="Continue the interrupted run in this output directory (its ledger and policy).",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Exit 1 when the sandbox could not check a resource (listed as unverified).",
)
@click.option(
    "--strict-bounds",
    is_flag=True,
    help="Exit 1 also when a resource was checked only against its provider schema's whole "
    "handler list (listed as schema-bound), not by a property-aware rule.",
)
@click.option("-v", "--verbose", is_flag=True, help="Stream each attempt's output live.")
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
def run(**arguments: Any) -> None:
    """Discover the policy the deploy steps need, from the start policy to success.

    \b
    autofix run --config playground/serverless-demo/autofix.toml
    autofix run -- sls deploy --stage dev
    """
    from autofix.commands.invocation import RunRequest, resolve
    from autofix.commands.run import run as run_steps
    from autofix.console import Console
    from autofix.errors import exit_at_once
    from autofix.step import signals

    config, options = resolve(RunRequest(**arguments))
    try:
        outcome = run_steps(config, options, Console(verbose=options.verbose))
    except KeyboardInterrupt as exc:
        where = options.out_dir
        resumable = (where / "ledger.jsonl").is_file()
        hint = f"; resume with: autofix run --resume {where}" if resumable else ""
        click.echo(f"interrupted: policy.json and the ledger are intact{hint}", err=True)
        exit_at_once(signals.exit_code(exc))
    sys.exit(outcome.exit_code)


@cli.command()
@_config_option
@file_option(
    "--policy", "policy_path", required=True, help="The saved policy to replay, exactly as it is."
)
@_out_option
@file_option("--write-patch", help="Write a policy that adds just the missing actions.")
@json_option("Print the result as JSON on stdout.")
def check(
    config_path: Path | None,
    policy_path: Path,
    out: Path | None,
    force: bool,
    write_patch: Path | None,
    as_json: bool,
) -> None:
    """Replay a saved policy after an upgrade; exit 1 naming what is newly missing."""
    from autofix.commands.check import CheckOptions, check_command
    from autofix.config.find import config_for

    config = config_for(config_path, (), None)
    out_dir = out or (config.base_dir / ".autofix")
    options = CheckOptions(policy_path, out_dir, write_patch, as_json, force)

    def echo(text: str, **how: Any) -> None:
        click.echo(untrusted.clean(text), **how)

    sys.exit(check_command(config, options, echo))


@cli.command()
@click.argument("policy_path", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(RENDER_FORMATS)),
    default="json",
    show_default=True,
    help="What to render the policy as (cdk-bootstrap: a CDK execution role's policy, as a "
    "script that creates it and runs `cdk bootstrap --cloudformation-execution-policies`).",
)
@_portable_option("Write the account id and region as placeholders of this syntax.")
@click.option("--account-id", help="The account id to replace (default: from summary.json).")
@click.option("--region", help="The region to replace (default: from summary.json).")
@click.option("--collapse", is_flag=True, help="Collapse read-only actions into wildcards.")
def render(
    policy_path: Path,
    fmt: Any,
    portable: Any,
    account_id: str | None,
    region: str | None,
    collapse: bool,
) -> None:
    """Render a discovered policy, ready to paste (JSON, CloudFormation, Terraform, Serverless,
    CDK bootstrap)."""
    from autofix.commands.render import render_policy

    text = render_policy(policy_path, fmt, portable, account_id, region, collapse)
    click.echo(text, nl=False)


@cli.command()
@click.option("--region", default="us-east-1", show_default=True)
@file_option("--deny-log", help="Write every denial the sandbox issues to this JSON-lines file.")
def sandbox(region: str, deny_log: Path | None) -> None:
    """Run the embedded sandbox account in the foreground and print its export lines."""
    from autofix.commands.sandbox import serve_foreground

    serve_foreground(region, deny_log, click.echo)


@cli.command()
@click.argument("source", default="-", type=click.File("r", encoding="utf-8", errors="replace"))
@json_option("Print the machine-readable contract.")
def explain(source: TextIO, as_json: bool) -> None:
    """Explain the permission errors in error text (FILE, or - for stdin)."""
    from autofix.commands.explain import explain_human, explain_json

    text = source.read()
    click.echo(untrusted.clean(explain_json(text) if as_json else explain_human(text)))


@cli.command()
@click.argument("out_dir", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "html", "json"]),
    help="One format only (default: report.md and report.html).",
)
@file_option(
    "-o",
    "--output",
    allow_dash=True,
    help="Write to FILE instead of OUT_DIR (- for stdout; format from the suffix).",
)
def report(out_dir: Path, fmt: str | None, output: Path | None) -> None:
    """Write a readable report of the run in OUT_DIR: per step, each action and its proof."""
    from autofix.report.write import write_reports

    for where in write_reports(out_dir, fmt, output):
        if where != "-":
            click.echo(where)


@cli.command()
@click.argument("a", type=click.Path(path_type=Path))
@click.argument("b", type=click.Path(path_type=Path))
@json_option("Print the comparison as JSON.")
def diff(a: Path, b: Path, as_json: bool) -> None:
    """Compare two runs (output directories) or two policies; exit 1 when they differ.

    \b
    autofix diff before/.autofix after/.autofix
    autofix diff saved-policy.json .autofix/policy.json
    """
    import json

    from autofix.report.diff import compare, comparison_to_json, render_text

    comparison = compare(a, b)
    if as_json:
        click.echo(json.dumps(comparison_to_json(comparison), indent=2))
    else:
        click.echo(render_text(comparison), nl=False)
    sys.exit(ExitCode.OK if comparison.equal else ExitCode.FAILED)


@cli.command()
@click.argument("out_dirs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--name",
    help="The profile's name (default: the runs' tool and its installed major version, "
    "e.g. sam-1).",
)
@file_option("-o", "--output", help="Write the profile to FILE (default: print it).")
@click.option(
    "--service",
    "services",
    multiple=True,
    help="A service name to generalise to {service} (default: read from each run's config).",
)
def profile(
    out_dirs: tuple[Path, ...], name: str | None, output: Path | None, services: tuple[str, ...]
) -> None:
    """Derive a framework profile from run directories: what the tool called itself.

    \b
    autofix profile playground/serverless-demo/.autofix --name osls-4 -o osls-4.json
    """
    from autofix.commands.profile import profile_text
    from autofix.records.files import write_atomic

    text = profile_text(out_dirs, name, services)
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text)
        click.echo(str(output))


def _add_fleet() -> None:
    from autofix.fleet.cli import fleet

    cli.add_command(fleet)


_add_fleet()


def main() -> None:
    """The `autofix` command: every error a user can act on is one line and an exit code."""
    from autofix.errors import exit_at_once
    from autofix.records.files import remove_unfinished
    from autofix.step import signals

    signals.install()
    signals.at_force(remove_unfinished)
    try:
        cli.main(prog_name="autofix", standalone_mode=False)
    except click.exceptions.Abort as exc:  # click turns a KeyboardInterrupt into Abort
        click.echo("interrupted", err=True)
        exit_at_once(signals.exit_code(exc.__cause__ or exc))
    except KeyboardInterrupt as exc:
        click.echo("interrupted", err=True)
        exit_at_once(signals.exit_code(exc))
    except click.ClickException as exc:
        exc.show()
        sys.exit(ExitCode.USAGE)
    except AutofixError as exc:
        click.secho(f"autofix: error: {untrusted.clean(str(exc))}", err=True, fg="red")
        sys.exit(exc.exit_code)
    except (SandboxStopped, SandboxError) as exc:
        click.secho(f"autofix: error: {untrusted.clean(str(exc))}", err=True, fg="red")
        sys.exit(getattr(exc, "exit_code", ExitCode.FAILED))
    except OSError as exc:  # the disk: read-only, full, gone (files are written atomically)
        where = f"{exc.filename}: " if exc.filename else "cannot write the run's files: "
        click.secho(f"autofix: error: {where}{describe(exc)}", err=True, fg="red")
        sys.exit(ExitCode.USAGE)
