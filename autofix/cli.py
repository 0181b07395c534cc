"""Command line: thin wiring from arguments to the modules that do the work."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, TextIO

import click

from autofix import __version__
from autofix.errors import AutofixError, ConfigError
from autofix.policy.render import FORMATS as RENDER_FORMATS
from autofix.records.lock import describe
from autofix.sandbox.server import SandboxError, SandboxStopped

CONFIG_NAMES = ("autofix.toml", "pyproject.toml")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="autofix")
def cli() -> None:
    """Find, by trial and error, the exact IAM permissions a deployment needs."""


@cli.command(context_settings={"ignore_unknown_options": False})
@click.option(
    "-c",
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    help="autofix.toml, or a pyproject.toml with [tool.autofix].",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    help="Output directory (default: .autofix/ beside the config).",
)
@click.option(
    "--from",
    "start_policy",
    type=click.Path(path_type=Path, dir_okay=False),
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
    "--portable",
    type=click.Choice(["cloudformation", "terraform", "plain"]),
    help="Also write policy.portable.json with the account and region as placeholders.",
)
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
@click.option(
    "--resume",
    "resume_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Continue the interrupted run in this output directory (its ledger and policy).",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Exit 1 when the sandbox could not check a resource (listed as unverified).",
)
@click.option("-v", "--verbose", is_flag=True, help="Stream each attempt's output live.")
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
def run(
    config_path: Path | None,
    out: Path | None,
    start_policy: Path | None,
    max_attempts: int | None,
    scope: str | None,
    region: str | None,
    allow_self_edit: bool,
    portable: str | None,
    verify: bool,
    strategy: str,
    resume_dir: Path | None,
    strict: bool,
    verbose: bool,
    command: tuple[str, ...],
) -> None:
    """Discover the policy the deploy steps need, from the start policy to success.

    \b
    autofix run --config playground/serverless-demo/autofix.toml
    autofix run -- sls deploy --stage dev
    """
    from autofix.commands import run as app
    from autofix.console import Console
    from autofix.records import resume
    from autofix.step import signals

    saved: dict[str, Any] = {}
    if resume_dir is not None:
        if out is not None and out != resume_dir:
            raise ConfigError("--resume DIR is the output directory: pass --out only with it")
        if start_policy is not None:
            raise ConfigError("--resume continues from the saved policy: drop --from")
        out = resume_dir
        saved = resume.load_invocation(resume_dir)
        if config_path is None and not command:
            config_path = Path(saved["config"]) if saved.get("config") else None
            command = tuple(saved.get("command") or ())
            region = region or saved.get("region")
            if saved.get("cwd") and command:
                os.chdir(saved["cwd"])
    options = saved.get("options", {})
    config = _config_for(config_path, command, region)
    chosen: dict[str, Any] = {
        "max_attempts": max_attempts or options.get("max_attempts"),
        "scope": scope or options.get("scope"),
        "allow_self_edit": allow_self_edit or bool(options.get("allow_self_edit")),
        "portable": portable or options.get("portable"),
        "verify": verify if resume_dir is None else bool(options.get("verify", verify)),
        "strict": strict or bool(options.get("strict")),
        "strategy": strategy if resume_dir is None else options.get("strategy", strategy),
    }
    invocation: dict[str, Any] = {
        "config": str(config.source.resolve()) if config.source else None,
        "command": list(command),
        "cwd": str(Path.cwd()),
        "region": region,
        "options": chosen,
    }
    run_options = app.with_out_dir(
        app.RunOptions(
            Path("."),
            chosen["max_attempts"],
            chosen["scope"],
            start_policy,
            verbose,
            chosen["allow_self_edit"],
            chosen["portable"],
            chosen["verify"],
            chosen["strategy"],
            resume=resume_dir is not None,
            invocation=invocation,
            strict=chosen["strict"],
        ),
        config,
        out,
    )
    try:
        outcome = app.run(config, run_options, Console(verbose=verbose))
    except KeyboardInterrupt as exc:
        where = run_options.out_dir
        resumable = (where / "ledger.jsonl").is_file()
        hint = f"; resume with: autofix run --resume {where}" if resumable else ""
        click.echo(f"interrupted: policy.json and the ledger are intact{hint}", err=True)
        sys.exit(signals.exit_code(exc))
    sys.exit(outcome.exit_code)


@cli.command()
@click.option(
    "-c",
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    help="autofix.toml, or a pyproject.toml with [tool.autofix].",
)
@click.option(
    "--policy",
    "policy_path",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="The saved policy to replay, exactly as it is.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    help="Output directory (default: .autofix/ beside the config).",
)
@click.option(
    "--write-patch",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write a policy that adds just the missing actions.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
def check(
    config_path: Path | None,
    policy_path: Path,
    out: Path | None,
    write_patch: Path | None,
    as_json: bool,
) -> None:
    """Replay a saved policy after an upgrade; exit 1 naming what is newly missing."""
    import json
    import os

    from autofix.commands import run as app
    from autofix.commands.check import github_annotations
    from autofix.console import Console
    from autofix.records.files import write_atomic

    config = _config_for(config_path, (), None)
    out_dir = out or (config.base_dir / ".autofix")
    console = Console()
    outcome = app.check(config, policy_path, out_dir, console)
    if write_patch is not None and outcome.patch.grants:
        write_atomic(write_patch, outcome.patch.dumps())
    console.check_summary(outcome, write_patch if outcome.patch.grants else None)
    if as_json:
        click.echo(json.dumps(outcome.to_json(), indent=2))
    if os.environ.get("GITHUB_ACTIONS") == "true":
        # on stderr, so that --json on stdout stays parseable (the runner reads both)
        for line in github_annotations(outcome, config.source, os.environ.get("GITHUB_WORKSPACE")):
            click.echo(line, err=True)
    sys.exit(outcome.exit_code)


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
@click.option(
    "--portable",
    type=click.Choice(["cloudformation", "terraform", "plain"]),
    help="Write the account id and region as placeholders of this syntax.",
)
@click.option("--account-id", help="The account id to replace (default: from summary.json).")
@click.option("--region", help="The region to replace (default: from summary.json).")
@click.option("--collapse", is_flag=True, help="Collapse read-only actions into wildcards.")
def render(
    policy_path: Path,
    fmt: str,
    portable: str | None,
    account_id: str | None,
    region: str | None,
    collapse: bool,
) -> None:
    """Render a discovered policy, ready to paste (JSON, CloudFormation, Terraform, Serverless,
    CDK bootstrap)."""
    import json

    from autofix.policy.collapse import collapse_actions
    from autofix.policy.document import PolicyDocument, PolicyError
    from autofix.policy.render import portable as make_portable
    from autofix.policy.render import render as render_policy

    try:
        doc = PolicyDocument.load(policy_path, check_actions=False)
    except PolicyError as exc:
        raise ConfigError(str(exc)) from None
    if portable:
        summary_path = policy_path.with_name("summary.json")
        if summary_path.is_file() and not (account_id and region):
            summary = json.loads(summary_path.read_text(encoding="utf-8"))
            account_id = account_id or summary.get("account_id")
            region = region or summary.get("region")
        if not account_id or not region:
            raise ConfigError(
                "--portable needs --account-id and --region (no summary.json beside the policy)"
            )
        doc = make_portable(doc, account_id, region, portable)  # type: ignore[arg-type]
    if collapse:
        doc = collapse_actions(doc)
    click.echo(render_policy(doc, fmt), nl=False)  # type: ignore[arg-type]


@cli.command()
@click.option("--region", default="us-east-1", show_default=True)
@click.option(
    "--deny-log",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write every denial the sandbox issues to this JSON-lines file.",
)
def sandbox(region: str, deny_log: Path | None) -> None:
    """Run the embedded sandbox account in the foreground and print its export lines."""
    import threading

    from autofix.sandbox import require_sandbox_extra
    from autofix.sandbox.server import serve

    require_sandbox_extra()
    stop = threading.Event()

    def ready(info: object) -> None:
        from autofix.sandbox.server import SandboxInfo

        assert isinstance(info, SandboxInfo)
        click.echo("# embedded sandbox ready: paste these lines into another shell")
        click.echo(f"export AWS_ENDPOINT_URL={info.endpoint}")
        click.echo(f"export AWS_ACCESS_KEY_ID={info.operator.access_key_id}")
        click.echo(f"export AWS_SECRET_ACCESS_KEY={info.operator.secret_access_key}")
        click.echo(f"export AWS_REGION={info.region} AWS_DEFAULT_REGION={info.region}")
        click.echo(f"# account {info.account_id}; these are the operator's (admin) keys.")
        click.echo("# Ctrl-C stops the sandbox; its state is not kept.", err=False)

    try:
        serve(0, region, "123456789012", deny_log, ready, stop)
    except KeyboardInterrupt:
        stop.set()


@cli.command()
@click.argument("source", default="-", type=click.File("r", encoding="utf-8", errors="replace"))
@click.option("--json", "as_json", is_flag=True, help="Print the machine-readable contract.")
def explain(source: TextIO, as_json: bool) -> None:
    """Explain the permission errors in error text (FILE, or - for stdin)."""
    from autofix.commands.explain import explain_human, explain_json

    text = source.read()
    click.echo(explain_json(text) if as_json else explain_human(text))


@cli.command()
@click.argument("out_dir", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "html", "json"]),
    help="One format only (default: report.md and report.html).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
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
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
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
    sys.exit(0 if comparison.equal else 1)


@cli.command()
@click.argument("out_dirs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--name", required=True, help="The profile's name (e.g. osls-4).")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the profile to FILE (default: print it).",
)
@click.option(
    "--service",
    "services",
    multiple=True,
    help="A service name to generalise to {service} (default: read from each run's config).",
)
def profile(
    out_dirs: tuple[Path, ...], name: str, output: Path | None, services: tuple[str, ...]
) -> None:
    """Derive a framework profile from run directories: what the tool called itself.

    \b
    autofix profile playground/serverless-demo/.autofix --name osls-4 -o osls-4.json
    """
    import json

    from autofix.predict import profile as profiles
    from autofix.records.files import write_atomic

    found = set(services)
    for where in out_dirs:
        found.update(profiles.services_of_run(where))
    text = json.dumps(profiles.build(list(out_dirs), name, sorted(found)), indent=1) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text)
        click.echo(str(output))


def _config_for(config_path: Path | None, command: tuple[str, ...], region: str | None):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from autofix.config import Config, SandboxConfig, load_config, steps_from_command

    if command:
        if config_path is not None:
            base = load_config(config_path)
            return replace(base, steps=steps_from_command(list(command), Path.cwd()))
        sandbox = SandboxConfig(region=region or "us-east-1")
        return Config(
            steps=steps_from_command(list(command), Path.cwd()),
            sandbox=sandbox,
            base_dir=Path.cwd(),
        )
    if config_path is None:
        config_path = next((Path(n) for n in CONFIG_NAMES if Path(n).is_file()), None)
        if config_path is None:
            raise ConfigError(
                "no config: pass --config FILE, or a command after -- (autofix run -- sls deploy)"
            )
    return load_config(config_path)


def main() -> None:
    from autofix.step import signals

    signals.install()
    try:
        cli.main(prog_name="autofix", standalone_mode=False)
    except click.exceptions.Abort as exc:  # click turns a KeyboardInterrupt into Abort
        click.echo("interrupted", err=True)
        sys.exit(signals.exit_code(exc.__cause__ or exc))
    except KeyboardInterrupt as exc:
        click.echo("interrupted", err=True)
        sys.exit(signals.exit_code(exc))
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except AutofixError as exc:
        click.secho(f"autofix: error: {exc}", err=True, fg="red")
        sys.exit(exc.exit_code)
    except (SandboxStopped, SandboxError) as exc:
        click.secho(f"autofix: error: {exc}", err=True, fg="red")
        sys.exit(getattr(exc, "exit_code", 1))
    except OSError as exc:  # the disk: read-only, full, gone (files are written atomically)
        where = f"{exc.filename}: " if exc.filename else "cannot write the run's files: "
        click.secho(f"autofix: error: {where}{describe(exc)}", err=True, fg="red")
        sys.exit(2)
    except SystemExit:
        raise
