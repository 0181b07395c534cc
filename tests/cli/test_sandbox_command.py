"""`autofix sandbox`: the embedded account in the foreground, with its export lines."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import boto3


def test_sandbox_prints_exports_that_work_and_stops_on_ctrl_c() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "autofix", "sandbox"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    exports: dict[str, str] = {}
    deadline = time.monotonic() + 60
    assert proc.stdout is not None
    while "AWS_SECRET_ACCESS_KEY" not in exports or "AWS_REGION" not in exports:
        assert time.monotonic() < deadline, "no export lines"
        line = proc.stdout.readline()
        if line.startswith("export "):
            for pair in line.split()[1:]:
                key, _, value = pair.partition("=")
                exports[key] = value
    try:
        session = boto3.Session(
            aws_access_key_id=exports["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=exports["AWS_SECRET_ACCESS_KEY"],
            region_name=exports["AWS_REGION"],
        )
        who = session.client("sts", endpoint_url=exports["AWS_ENDPOINT_URL"])
        assert who.get_caller_identity()["Arn"] == "arn:aws:iam::123456789012:user/autofix-operator"
        # IAM is enforced: unknown keys are refused
        stranger = boto3.client(
            "sns",
            endpoint_url=exports["AWS_ENDPOINT_URL"],
            region_name="us-east-1",
            aws_access_key_id="AKIAUNKNOWN000000000",
            aws_secret_access_key="x" * 40,
        )
        try:
            stranger.list_topics()
            raise AssertionError("a stranger was let in")
        except stranger.exceptions.ClientError as exc:
            assert exc.response["Error"]["Code"] in ("InvalidClientTokenId", "AccessDenied")
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=30)
    rest = proc.stdout.read()
    assert "Traceback" not in rest
    assert "POST / HTTP/1.1" not in rest  # no request log spam in the foreground
