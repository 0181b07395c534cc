"""`autofix fleet emit github-actions`: the fleet as a GitHub Actions workflow.

A `list` job lists the services as JSON (`autofix fleet list --json`); a matrix job runs one
service per job (`autofix run` or `autofix check`) and uploads its output directory as an
artifact of its own; a `report` job downloads them all and runs `autofix fleet report`,
which writes fleet.json, the pages and the Step Summary and fails when a service failed.

A matrix holds at most 256 jobs: past that the services are split into shards, one matrix
job per shard (`autofix fleet list --json --shard I/N`), each at most 256 jobs.
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Sequence

__all__ = ["MATRIX_LIMIT", "github_actions_workflow"]

MATRIX_LIMIT = 256
"""GitHub Actions: "A matrix can generate a maximum of 256 jobs per workflow run"."""


def github_actions_workflow(
    paths: Sequence[str],
    services: int,
    mode: str = "run",
    install: str = "pip install 'autofix-iam[sandbox]'",
    policy: str | None = None,
    exclude: Sequence[str] = (),
    python: str = "3.12",
    node: str = "20",
) -> str:
    """The workflow's YAML text. `services` (how many there are now) sets the shards."""
    shards = max(1, math.ceil(services / MATRIX_LIMIT))
    listing = " ".join(
        ["autofix fleet list --json"]
        + [f"--exclude {shlex.quote(g)}" for g in exclude]
        + [shlex.quote(p) for p in paths]
    )
    setup = _setup(install, python, node)
    list_steps = "\n".join(
        f'          echo "shard-{i}=$({listing} --shard {i}/{shards})" >> "$GITHUB_OUTPUT"'
        for i in range(1, shards + 1)
    )
    outputs = "\n".join(
        f"      shard-{i}: ${{{{ steps.list.outputs.shard-{i} }}}}" for i in range(1, shards + 1)
    )
    matrix_jobs = "\n".join(
        _matrix_job(i, shards, mode, setup, policy) for i in range(1, shards + 1)
    )
    needs = ", ".join(["list"] + [_job_id(i, shards) for i in range(1, shards + 1)])
    return f"""# Written by `autofix fleet emit github-actions`: {services} services in
# {shards} matrix job(s) of at most {MATRIX_LIMIT} jobs, one job per service, then one report.
name: autofix fleet {mode}

on:
  workflow_dispatch:
  pull_request:

permissions:
  contents: read

jobs:
  list:
    runs-on: ubuntu-latest
    outputs:
{outputs}
    steps:
{setup}
      - name: List the services
        id: list
        run: |
{list_steps}

{matrix_jobs}

  report:
    needs: [{needs}]
    if: ${{{{ always() && needs.list.result == 'success' }}}}
    runs-on: ubuntu-latest
    steps:
{setup}
      - name: Download every service's output
        uses: actions/download-artifact@v4
        with:
          pattern: autofix-service-*
          merge-multiple: true
          path: fleet-out
      - name: Fleet report
        run: autofix fleet report fleet-out
      - name: Upload the fleet report
        if: ${{{{ always() }}}}
        uses: actions/upload-artifact@v4
        with:
          name: autofix-fleet-report
          path: fleet-out/
"""


def _job_id(index: int, shards: int) -> str:
    return "service" if shards == 1 else f"service-{index}"


def _setup(install: str, python: str, node: str) -> str:
    return f"""      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "{python}"
      - uses: actions/setup-node@v4
        with:
          node-version: "{node}"
      - name: Install autofix and the deploy tools
        run: {_yaml_scalar(install)}"""


def _matrix_job(index: int, shards: int, mode: str, setup: str, policy: str | None) -> str:
    if mode == "check":
        replayed = '"$POLICY"' if policy else '"$SERVICE_DIR/.autofix/policy.json"'
        command = f"""          cp {replayed} "$OUT/policy-checked.json" || true
          autofix check --config "$CONFIG" --policy {replayed} --out "$OUT" --force --json \\
            > "$OUT/check.json\""""
    else:
        command = """          if [ -f "$SERVICE_DIR/.autofix/policy.json" ]; then
            cp "$SERVICE_DIR/.autofix/policy.json" "$OUT/saved-policy.json"
          fi
          autofix run --config "$CONFIG" --out "$OUT" --force\""""
    policy_env = f"\n          POLICY: {_yaml_scalar(policy)}" if policy and mode == "check" else ""
    return f"""  {_job_id(index, shards)}:
    needs: list
    if: ${{{{ needs.list.outputs.shard-{index} != '[]' }}}}
    name: ${{{{ matrix.service.name }}}}
    runs-on: ubuntu-latest
    strategy:
      fail-fast: false
      matrix:
        service: ${{{{ fromJSON(needs.list.outputs.shard-{index}) }}}}
    steps:
{setup}
      - name: autofix {mode}
        env:
          SERVICE: ${{{{ toJSON(matrix.service) }}}}
          SERVICE_DIR: ${{{{ matrix.service.directory }}}}
          CONFIG: ${{{{ matrix.service.config }}}}
          OUT: fleet-out/${{{{ matrix.service.name }}}}{policy_env}
        run: |
          mkdir -p "$OUT"
          printf '%s\\n' "$SERVICE" > "$OUT/service.json"
          set +e
{command}
          code=$?
          echo "$code" > "$OUT/exit-code"
          exit "$code"
      - name: Upload the service's output
        if: ${{{{ always() }}}}
        uses: actions/upload-artifact@v4
        with:
          name: autofix-service-${{{{ matrix.service.slug }}}}
          path: fleet-out/
          if-no-files-found: error
"""


def _yaml_scalar(text: str) -> str:
    """A double-quoted YAML string (JSON's escaping is valid YAML)."""
    import json

    return json.dumps(text)
