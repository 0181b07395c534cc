"""Output directories to report on: real loop runs in the embedded sandbox, and hand-made ones."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import AWS, run_autofix, write_config

# The ssm value holds markup, and moto's XML denial body ends up in the evidence: both must
# come out escaped in HTML.
TOPICS = f"{AWS} sns create-topic --name orders && {AWS} sns list-topics"
PARAMS = (
    f"{AWS} ssm put-parameter --name /app/colour --value '<b>blue</b>' --type String --overwrite"
)
PARAMS_UPGRADED = f"{PARAMS} && {AWS} ssm get-parameter --name /app/colour"


@dataclass(frozen=True)
class RealRuns:
    first: Path
    """Fresh run: topics (2 actions), params (1 action)."""
    upgraded: Path
    """`run --from` the first run's policy, with params now also reading the parameter."""


def _config(directory: Path, params: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    return write_config(
        directory,
        f"""
        [[steps]]
        name = "topics"
        run = "{TOPICS}"
        [[steps]]
        name = "params"
        run = "{params}"
        """,
    )


@pytest.fixture(scope="session")
def real_runs(tmp_path_factory: pytest.TempPathFactory) -> RealRuns:
    base = tmp_path_factory.mktemp("real-runs")
    first = run_autofix("run", "--strategy", "trial", "--config", str(_config(base / "v1", PARAMS)))
    assert first.exit_code == 0, first.output
    out = base / "v1" / ".autofix"
    upgraded = run_autofix(
        "run",
        "--strategy",
        "trial",
        "--config",
        str(_config(base / "v2", PARAMS_UPGRADED)),
        "--from",
        str(out / "policy.json"),
    )
    assert upgraded.exit_code == 0, upgraded.output
    return RealRuns(out, base / "v2" / ".autofix")
