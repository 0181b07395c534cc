"""Run one deploy step with `sh`: deployer environment, live output, capture, timeout.

Output is not kept whole: each stream keeps a bounded tail (`TAIL_CHARS`) and feeds every
line, as it is printed, to a reader (by default the streaming denial reader), so a step
that prints hundreds of megabytes is read in bounded memory and within its timeout.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import sh

from autofix import untrusted
from autofix.config import Step
from autofix.denials.stream import DenialStream
from autofix.step import reaper
from autofix.step.endpoints import GLOBAL, endpoint_environment

COMMAND_NOT_FOUND = 127
LineSink = Callable[[str, str], None]
"""Receives (stream name, line) as the step prints it: `stdout` or `stderr`."""
TAIL_CHARS = 2_000_000
TAIL_LINE_CHARS = 1000


class OutputReader(Protocol):
    """Reads one stream of a step's output, line by line, while the step runs."""

    def feed(self, text: str) -> None: ...


ReaderFactory = Callable[[], OutputReader]


@dataclass(frozen=True)
class StepResult:
    """What one run of a step did."""

    exit_code: int
    stdout: str
    stderr: str
    duration: float
    timed_out: bool = False
    readers: Mapping[str, OutputReader] = field(default_factory=dict, compare=False, repr=False)
    dropped: int = 0
    """Characters printed before the kept tails (`stdout`, `stderr` hold only the tails)."""

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out

    @property
    def output(self) -> str:
        """Both streams: deploy tools print errors to stdout and progress to stderr."""
        return self.stdout + ("\n" if self.stdout and self.stderr else "") + self.stderr

    def tail(self, lines: int = 15) -> str:
        """The last `lines` non-blank lines, each cut to `TAIL_LINE_CHARS` (one line can be
        megabytes long: the tail is shown and kept in the ledger)."""
        kept = [line for line in self.output.splitlines() if line.strip()]
        return "\n".join(_shortened(line) for line in kept[-lines:])


def step_environment(
    base: Mapping[str, str], credentials: Mapping[str, str], step: Step
) -> dict[str, str]:
    """The step's environment: the user's, minus every AWS_* variable, plus the deployer's.

    No credential of the operator's reaches a step (`AWS_PROFILE`, `AWS_SESSION_TOKEN`,
    container and web-identity variables all start with `AWS_`). With an endpoint in
    `credentials`, every per-service endpoint variable points there too.

    Shared config files are hidden so no profile of the operator can leak in, and the
    step's `node_modules/.bin` comes first on PATH, as under `npm run`.
    """
    env = {k: v for k, v in base.items() if not k.startswith("AWS_")}
    env.update(
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )
    env.update(credentials)
    if credentials.get(GLOBAL):  # the sandbox: every service, not only the global setting
        env.update(endpoint_environment(credentials[GLOBAL]))
    env.update(step.env)
    local_bin = step.cwd / "node_modules" / ".bin"
    if local_bin.is_dir():
        env["PATH"] = f"{local_bin}{os.pathsep}{env.get('PATH', '')}"
    return env


class _Capture:
    """One stream: a bounded tail of its lines, and a reader fed every line."""

    def __init__(self, name: str, reader: OutputReader, on_line: LineSink | None) -> None:
        self.name, self.reader, self.on_line = name, reader, on_line
        self.lines: deque[str] = deque()
        self.size = 0
        self.dropped = 0

    def __call__(self, raw: str) -> None:
        line = untrusted.clean(raw)  # nothing downstream sees a control sequence or a secret
        self.reader.feed(line)
        self.lines.append(line)
        self.size += len(line)
        while self.size > TAIL_CHARS and len(self.lines) > 1:
            old = self.lines.popleft()
            self.size -= len(old)
            self.dropped += len(old)
        if self.on_line is not None:
            self.on_line(self.name, line.rstrip("\n"))

    @property
    def text(self) -> str:
        return "".join(self.lines)


def run_step(
    step: Step,
    env: Mapping[str, str],
    on_line: LineSink | None = None,
    reader: ReaderFactory = DenialStream,
) -> StepResult:
    """Run `step.run` in bash, streaming each line to `on_line` and to a `reader` per stream."""
    out = _Capture("stdout", reader(), on_line)
    err = _Capture("stderr", reader(), on_line)

    started = time.monotonic()
    bash = sh.Command("bash")
    process = bash(
        "-c",
        step.run,
        _cwd=str(Path(step.cwd)),
        _env=dict(env),
        _out=out,
        _err=err,
        _in=os.devnull,
        _bg=True,
        _bg_exc=False,
        _ok_code=list(range(256)),
        _tty_out=False,
        _new_session=True,
        _timeout=step.timeout,
        _timeout_signal=15,
        _encoding="utf-8",
        _decode_errors="replace",
    )
    timed_out = False
    with reaper.guarded(process.pid):  # its own session: the group id is its pid
        try:
            process.wait()
        except sh.TimeoutException:
            timed_out = True
            _kill_group(process)
        except KeyboardInterrupt:
            _kill_group(process)
            raise
    exit_code = _exit_code(process)
    return StepResult(
        exit_code=exit_code,
        stdout=out.text,
        stderr=err.text,
        duration=time.monotonic() - started,
        timed_out=timed_out,
        readers={"stdout": out.reader, "stderr": err.reader},
        dropped=out.dropped + err.dropped,
    )


def _shortened(line: str) -> str:
    if len(line) <= TAIL_LINE_CHARS:
        return line
    return f"{line[:TAIL_LINE_CHARS]} … ({len(line) - TAIL_LINE_CHARS} more characters)"


def _kill_group(process: sh.RunningCommand) -> None:
    with contextlib.suppress(ProcessLookupError, OSError):
        process.kill_group()


def _exit_code(process: sh.RunningCommand) -> int:
    code = process.process.exit_code
    if code is None:
        return -1
    return int(code)
