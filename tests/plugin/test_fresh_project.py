"""A user's project: a fresh venv with nothing but `autofix-iam[sandbox]` and pytest.

Slow (a fresh install, about three minutes here, mostly index look-ups): deselected by
default, run by `make test-slow`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow

USER_TEST = """
import pytest
from botocore.exceptions import ClientError

POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}],
}


def test_my_deploy_policy(iam_sandbox):
    s3 = iam_sandbox.principal(POLICY).client("s3")
    s3.list_buckets()
    with pytest.raises(ClientError, match="AccessDenied"):
        s3.create_bucket(Bucket="not-allowed")
    [denial] = iam_sandbox.denials()
    assert denial.action == "s3:CreateBucket"
"""


def test_a_fresh_project_uses_iam_sandbox(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTHON", "VIRTUAL"))}
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = str(venv / "bin" / "python")
    source = tmp_path / "autofix-iam"  # only what the distribution is built from: no stale build/
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    skip = shutil.ignore_patterns("__pycache__")
    shutil.copytree(REPO / "autofix", source / "autofix", ignore=skip)
    installed = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", f"{source}[sandbox]", "pytest"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    project = tmp_path / "project"
    (project / "tests").mkdir(parents=True)
    (project / "tests" / "test_policy.py").write_text(textwrap.dedent(USER_TEST))
    ran = subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    assert "1 passed" in ran.stdout
    # the plugin came from the installed distribution, not from this checkout
    where = subprocess.run(
        [python, "-c", "import autofix, moto; print(autofix.__file__)"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert where.returncode == 0 and str(venv) in where.stdout, where.stderr
