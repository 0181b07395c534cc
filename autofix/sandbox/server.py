"""Run a moto server on 127.0.0.1 with IAM enforced and an operator identity.

The server runs in its own process (`python -m autofix.sandbox.server`), so
each sandbox is a fresh account and the deploy loop never competes with it for
the interpreter. The parent side is `EmbeddedSandbox`.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from autofix import untrusted
from autofix.errors import exit_at_once
from autofix.sandbox import DEFAULT_ACCOUNT_ID, require_sandbox_extra
from autofix.untrusted.files import open_no_follow

OPERATOR_USER = "autofix-operator"
_ADMIN_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


@dataclass(frozen=True)
class Credentials:
    """An access key pair (plus session token for assumed roles)."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None

    def __post_init__(self) -> None:
        untrusted.remember(self.secret_access_key, self.session_token)  # never shown or kept

    def env(self) -> dict[str, str]:
        env = {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
        }
        if self.session_token:
            env["AWS_SESSION_TOKEN"] = self.session_token
        return env


@dataclass(frozen=True)
class SandboxInfo:
    """What a client needs to talk to a running sandbox."""

    endpoint: str
    account_id: str
    region: str
    operator: Credentials
    deny_log: Path | None

    def to_json(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "account_id": self.account_id,
            "region": self.region,
            "operator": {
                "access_key_id": self.operator.access_key_id,
                "secret_access_key": self.operator.secret_access_key,
            },
            "deny_log": str(self.deny_log) if self.deny_log else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SandboxInfo:
        op = data["operator"]
        return cls(
            endpoint=data["endpoint"],
            account_id=data["account_id"],
            region=data["region"],
            operator=Credentials(op["access_key_id"], op["secret_access_key"]),
            deny_log=Path(data["deny_log"]) if data.get("deny_log") else None,
        )


class SandboxError(RuntimeError):
    """The embedded sandbox could not start."""


EXIT_SANDBOX_STOPPED = 4


class SandboxStopped(Exception):
    """The embedded sandbox's server died mid-run (exit 4); `tail` is the end of its log."""

    exit_code = EXIT_SANDBOX_STOPPED

    def __init__(self, tail: str, log: Path | None, how: str = "") -> None:
        self.headline = "the sandbox account stopped"
        self.tail = tail
        self.log = log
        why = f" ({how})" if how else ""
        where = f" ({log})" if log else ""
        if tail:
            shown = len(tail.splitlines())
            last = f"; the last {shown} lines of its log{where}:\n{tail}"
        else:
            last = f"; its log{where} is empty"
        super().__init__(f"{self.headline} mid-run{why}{last}")


def serve(
    port: int,
    region: str,
    account_id: str,
    deny_log: Path | None,
    on_ready: Any,
    stop: threading.Event,
    plugins: Sequence[str] = (),
) -> None:
    """Start moto in this process, bootstrap the operator, enforce IAM, block until `stop`.

    Each of `plugins` names a module whose `install(app, account_id, region)` returns the
    server's WSGI app, wrapped (after every fidelity patch is in place): a way to extend or
    mend the sandbox from outside the package (autofix's own tests put stacks in states the
    API cannot reach this way).
    """
    os.environ["MOTO_ACCOUNT_ID"] = account_id
    os.environ.setdefault("AWS_DEFAULT_REGION", region)
    import boto3
    from moto import settings
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    from autofix.sandbox import fidelity
    from autofix.sandbox.fidelity import rehearsal

    fidelity.install(deny_log=deny_log)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request; errors stay
    settings.INITIAL_NO_AUTH_ACTION_COUNT = float("inf")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    wsgi_server = server._server
    assert wsgi_server is not None
    wsgi_server.app = rehearsal.wrap(wsgi_server.app)  # the operator's rehearsal switch
    for plugin in plugins:
        wsgi_server.app = importlib.import_module(plugin).install(
            wsgi_server.app, account_id, region
        )
    host, real_port = server.get_host_and_port()
    endpoint = f"http://{host}:{real_port}"
    iam = boto3.client(
        "iam",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="bootstrap",
        aws_secret_access_key="bootstrap",
    )
    iam.create_user(UserName=OPERATOR_USER)
    iam.put_user_policy(
        UserName=OPERATOR_USER,
        PolicyName="autofix-operator-admin",
        PolicyDocument=json.dumps(_ADMIN_POLICY),
    )
    key = iam.create_access_key(UserName=OPERATOR_USER)["AccessKey"]
    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
    info = SandboxInfo(
        endpoint=endpoint,
        account_id=account_id,
        region=region,
        operator=Credentials(key["AccessKeyId"], key["SecretAccessKey"]),
        deny_log=deny_log,
    )
    on_ready(info)
    try:
        stop.wait()
    finally:
        server.stop()


@dataclass(eq=False)
class EmbeddedSandbox:
    """Context manager: a sandbox server in a child process.

    >>> with EmbeddedSandbox(region="us-east-1") as info:
    ...     info.endpoint
    """

    region: str = "us-east-1"
    account_id: str = DEFAULT_ACCOUNT_ID
    deny_log: Path | None = None
    startup_timeout: float = 60.0
    server_log: Path | None = None
    propagation_delay: float = 0.0
    soft: bool = False
    """Soft mode: implicit denials are recorded (sandbox-soft-denials.jsonl), not enforced."""
    plugins: Sequence[str] = ()
    """Modules the server process loads (see `serve`)."""
    info: SandboxInfo | None = field(default=None, init=False)
    _proc: subprocess.Popen[str] | None = field(default=None, init=False, repr=False)
    _temp_log: bool = field(default=False, init=False, repr=False)
    _log_path: Path = field(default=Path(os.devnull), init=False, repr=False)

    def __post_init__(self) -> None:
        self.plugins = tuple(self.plugins)

    def __enter__(self) -> SandboxInfo:
        require_sandbox_extra()
        cmd = [
            sys.executable,
            "-m",
            "autofix.sandbox.server",
            "--port",
            "0",
            "--region",
            self.region,
            "--account-id",
            self.account_id,
            "--json",
            "--die-with-stdin",
        ]
        if self.deny_log:
            cmd += ["--deny-log", str(self.deny_log)]
        for plugin in self.plugins:
            cmd += ["--plugin", plugin]
        # The server's own log goes to a file (never a pipe nobody reads: it would block).
        self._temp_log = self.server_log is None
        self._log_path = self.server_log or Path(
            tempfile.mkstemp(prefix="autofix-sandbox-", suffix=".log")[1]
        )
        with open_no_follow(self._log_path) as log:  # a planted link is refused, not truncated
            # the operator's own AWS settings (a profile, a token) are not the sandbox's
            env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
            if self.propagation_delay > 0:
                env["AUTOFIX_SANDBOX_PROPAGATION_DELAY"] = str(self.propagation_delay)
            env.pop("AUTOFIX_SANDBOX_SOFT", None)
            if self.soft:
                env["AUTOFIX_SANDBOX_SOFT"] = "1"
            self._proc = subprocess.Popen(
                cmd,
                env=env,
                stdout=subprocess.PIPE,
                stderr=log,
                stdin=subprocess.PIPE,  # held open: its end of file tells the server we died
                text=True,
                start_new_session=True,  # a Ctrl-C on the terminal goes to us, not the server
            )
        line = _read_line(self._proc.stdout, self.startup_timeout)
        if not line:
            err = self._log_path.read_text(encoding="utf-8", errors="replace")
            self.__exit__(None, None, None)
            raise SandboxError(f"embedded sandbox did not start: {err.strip()[-500:]}")
        self.info = SandboxInfo.from_json(json.loads(line))
        return self.info

    def stopped(self, grace: float = 5.0) -> bool:
        """The server process has exited, or exits within `grace` seconds (it is stopping)."""
        if self._proc is None:
            return False
        try:
            self._proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            return False
        return True

    def how_it_ended(self) -> str:
        """'killed by SIGTERM', 'exited with status 1', or '' while it runs."""
        code = self._proc.poll() if self._proc is not None else None
        if code is None:
            return ""
        if code < 0:
            with contextlib.suppress(ValueError):
                return f"its server was killed by {signal.Signals(-code).name}"
            return f"its server was killed by signal {-code}"
        return f"its server exited with status {code}"

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self._log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        kept = [line for line in text.splitlines() if line.strip()]
        return "\n".join(kept[-lines:])

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin:
            with contextlib.suppress(OSError):
                proc.stdin.close()
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()
        if self._temp_log:
            self._log_path.unlink(missing_ok=True)


def _read_line(stream: IO[str] | None, timeout: float) -> str:
    if stream is None:
        return ""
    result: list[str] = []
    reader = threading.Thread(target=lambda: result.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return result[0].strip() if result else ""


def _stop_at_end_of_input(stop: threading.Event, grace: float = 10.0) -> None:
    """The server dies with its parent: stdin is a pipe only the parent holds open.

    Its end of file comes when the parent closes it or dies, even by SIGKILL.
    """
    with contextlib.suppress(OSError):
        while os.read(0, 4096):  # the raw descriptor: no buffer lock held at shutdown
            pass
    stop.set()
    time.sleep(grace)  # a clean stop takes well under a second; never linger for minutes
    exit_at_once(0)


def main(argv: list[str] | None = None) -> None:
    """Child-process entry point: print one JSON line when ready, serve until SIGTERM."""
    parser = argparse.ArgumentParser(prog="autofix.sandbox.server")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--account-id", default=DEFAULT_ACCOUNT_ID)
    parser.add_argument("--deny-log", type=Path)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--plugin", action="append", default=[], help="a module to load (see serve); repeatable"
    )
    parser.add_argument(
        "--die-with-stdin", action="store_true", help="stop when stdin (the parent's pipe) ends"
    )
    args = parser.parse_args(argv)
    stop = threading.Event()

    def stopping(signum: int, _frame: object) -> None:  # its log says why it stopped
        print(f"sandbox server: {signal.Signals(signum).name} received, stopping", file=sys.stderr)
        sys.stderr.flush()
        stop.set()

    signal.signal(signal.SIGTERM, stopping)
    signal.signal(signal.SIGINT, stopping)
    if args.die_with_stdin:
        threading.Thread(target=_stop_at_end_of_input, args=(stop,), daemon=True).start()

    def ready(info: SandboxInfo) -> None:
        print(json.dumps(info.to_json()), flush=True)

    serve(args.port, args.region, args.account_id, args.deny_log, ready, stop, args.plugin)
    # no teardown of moto's heap (most of a CPU-second) while the run waits for us: our
    # record files are closed after each write, and the account's state is not kept
    exit_at_once(0)


if __name__ == "__main__":
    main()
