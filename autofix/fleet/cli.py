"""`autofix fleet ...`: many services at once on one machine, and a CI matrix past it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from autofix.cli_options import F, dir_option, file_option, json_option
from autofix.errors import ConfigError, ExitCode

__all__ = ["fleet"]


def _paths(command: F) -> F:
    return click.argument("paths", nargs=-1, type=click.Path(path_type=Path))(command)


def _exclude(command: F) -> F:
    return click.option(
        "--exclude",
        multiple=True,
        metavar="GLOB",
        help="Skip directories matching this gitignore-style glob (relative to PATH); "
        "repeatable. .gitignore files are obeyed too.",
    )(command)


def _jobs(command: F) -> F:
    return click.option(
        "-j",
        "--jobs",
        type=click.IntRange(min=0),
        default=0,
        help="Services at once (default: the cores, capped by the memory available).",
    )(command)


def _out(command: F) -> F:
    return dir_option(
        "--out",
        help="Each service's output in OUT/<service>/, and OUT/fleet.json (default: each "
        "config's own .autofix/, and fleet.json in the first PATH's .autofix/).",
    )(command)


def _given(paths: tuple[Path, ...]) -> tuple[Path, ...]:
    return paths or (Path.cwd(),)


@click.group()
def fleet() -> None:
    """Run or check every service of a monorepo at once; merge their policies; emit a CI
    matrix."""


@fleet.command("run")
@_paths
@_exclude
@_jobs
@_out
@dir_option(
    "--resume",
    "resume_dir",
    help="Continue the fleet whose fleet.json is in this directory: each service not ended ok.",
)
@click.option("--strategy", type=click.Choice(["trial", "observe", "predict"]))
@click.option("--verify/--no-verify", default=True, show_default=True)
@click.option("--strict", is_flag=True, help="As `autofix run --strict`.")
@click.option("--max-attempts", type=click.IntRange(min=1))
def run(
    paths: tuple[Path, ...],
    exclude: tuple[str, ...],
    jobs: int,
    out: Path | None,
    resume_dir: Path | None,
    strategy: str | None,
    verify: bool,
    strict: bool,
    max_attempts: int | None,
) -> None:
    """Discover the policy of every service under PATHS (default: .), each in its own process
    and embedded sandbox.

    \b
    autofix fleet run playground/fleet -j 2 --out /tmp/fleet
    """
    from autofix.fleet.commands import FleetRequest, fleet_resume, fleet_run
    from autofix.fleet.plan import RunChoices

    if resume_dir is not None:
        if paths or out or exclude:
            raise ConfigError("--resume DIR continues that fleet: drop PATHS, --out and --exclude")
        sys.exit(fleet_resume(resume_dir, jobs, click.echo))
    choices = RunChoices(strategy, verify, strict, max_attempts)
    request = FleetRequest("run", _given(paths), exclude, out, jobs, choices)
    sys.exit(fleet_run(request, click.echo))


@fleet.command("check")
@_paths
@_exclude
@_jobs
@_out
@file_option(
    "--policy",
    help="Replay this policy for every service (a merged one); default: each service's "
    "saved .autofix/policy.json.",
)
def check(
    paths: tuple[Path, ...],
    exclude: tuple[str, ...],
    jobs: int,
    out: Path | None,
    policy: Path | None,
) -> None:
    """Replay each service's saved policy (or --policy) after an upgrade; exit 1 naming what
    is missing, per service."""
    from autofix.fleet.commands import FleetRequest, fleet_run
    from autofix.fleet.plan import RunChoices

    request = FleetRequest("check", _given(paths), exclude, out, jobs, RunChoices(), policy)
    sys.exit(fleet_run(request, click.echo))


@fleet.command("list")
@_paths
@_exclude
@json_option("One line of JSON (a CI matrix's input).")
@click.option("--shard", metavar="I/N", help="Only the I-th of N even shares (1-based).")
def list_services(
    paths: tuple[Path, ...], exclude: tuple[str, ...], as_json: bool, shard: str | None
) -> None:
    """List the services under PATHS (default: .)."""
    from autofix.fleet.discover import discover

    services = discover(_given(paths), exclude)
    if shard is not None:
        services = _shard(services, shard)
    if as_json:
        click.echo(json.dumps([s.to_json() for s in services], separators=(",", ":")))
        return
    width = max((len(s.name) for s in services), default=0)
    for service in services:
        click.echo(f"{service.name.ljust(width)}  {service.config}")


def _shard(items: list[Any], spec: str) -> list[Any]:
    index_text, _, count_text = spec.partition("/")
    try:
        index, count = int(index_text), int(count_text)
    except ValueError:
        raise ConfigError(f"--shard {spec}: expected I/N, as 2/3") from None
    if not 1 <= index <= count:
        raise ConfigError(f"--shard {spec}: I must be between 1 and N")
    size, extra = divmod(len(items), count)
    start = (index - 1) * size + min(index - 1, extra)
    return items[start : start + size + (1 if index <= extra else 0)]


@fleet.command("report")
@click.argument("dirs", nargs=-1, required=True, type=click.Path(path_type=Path))
@dir_option("--out", help="Where fleet.json and the pages go (default: DIR, when there is one).")
def report(dirs: tuple[Path, ...], out: Path | None) -> None:
    """The fleet report over output directories (a CI matrix's artifacts, separate runs):
    fleet.json, fleet.md, fleet.html, the Step Summary; exit 1 when a service failed."""
    from autofix.fleet.commands import fleet_report

    sys.exit(fleet_report(dirs, out, click.echo))


@fleet.command("merge-policy")
@click.argument("dirs", nargs=-1, required=True, type=click.Path(path_type=Path))
@file_option(
    "-o",
    "--output",
    default=Path("merged.json"),
    show_default=True,
    help="The merged policy; parts go beside it as NAME.part-N.json when it needs several.",
)
@click.option(
    "--target",
    type=click.Choice(["managed", "role-inline", "user-inline"]),
    default="managed",
    show_default=True,
    help="Where the shared role keeps it (IAM's limits differ).",
)
@click.option(
    "--collapse/--no-collapse",
    default=True,
    show_default=True,
    help="Collapse actions into a wildcard where it matches only actions granted there.",
)
def merge_policy(dirs: tuple[Path, ...], output: Path, target: Any, collapse: bool) -> None:
    """Merge the services' policies (output directories under DIRS) into one for a shared
    deploy role, within IAM's size limits; exit 1 when it cannot fit."""
    from autofix.fleet.merge import describe, merge_policies, write_merged

    merged = merge_policies(dirs, target, collapse)
    if not merged.services:
        raise ConfigError("no successful service run with a policy.json under the given DIRS")
    written = write_merged(merged, output)
    for line in describe(merged, written):
        click.echo(line)
    sys.exit(ExitCode.FAILED if merged.error else ExitCode.OK)


@fleet.group("emit")
def emit() -> None:
    """Write the fleet as a CI workflow."""


@emit.command("github-actions")
@_paths
@_exclude
@click.option("--mode", type=click.Choice(["run", "check"]), default="run", show_default=True)
@click.option(
    "--policy", help="With --mode check: the policy every job replays (a path in the repository)."
)
@click.option(
    "--install",
    default="pip install 'autofix-iam[sandbox]'",
    show_default=True,
    help="The command that installs autofix and the services' deploy tools on a runner.",
)
@file_option(
    "-o",
    "--output",
    allow_dash=True,
    default=Path("-"),
    help="The workflow file (default: stdout), e.g. .github/workflows/autofix-fleet.yml.",
)
def github_actions(
    paths: tuple[Path, ...],
    exclude: tuple[str, ...],
    mode: str,
    policy: str | None,
    install: str,
    output: Path,
) -> None:
    """A workflow: list the services, one matrix job per service, then one fleet report."""
    from autofix.fleet.discover import discover
    from autofix.fleet.emit import github_actions_workflow
    from autofix.records.files import write_atomic

    given = _given(paths) if paths else (Path("."),)
    services = discover(given, exclude)
    text = github_actions_workflow(
        [p.as_posix() for p in given], len(services), mode, install, policy, exclude
    )
    if str(output) == "-":
        click.echo(text, nl=False)
    else:
        write_atomic(output, text)
        click.echo(str(output))
