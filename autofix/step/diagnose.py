"""Why a step failed when its output holds no permission error: causes a person can fix.

Two are recognised: the disk filled up (a grant cannot help; "not a permission error"
would send the user the wrong way), and a client that ignored the sandbox endpoint and
reached for a public AWS endpoint (awscli v1 does so for `sqs` in us-east-1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from autofix.errors import ConfigError

_DISK_FULL = re.compile(r"No space left on device|\bENOSPC\b|\[Errno 28\]|disk (?:is )?full", re.I)
_PUBLIC_ENDPOINT = re.compile(
    r"(?:https?://)?(?<![\w.-])([a-z0-9][a-z0-9.-]*\.amazonaws\.com(?:\.cn)?)(?::\d+)?(/[^\s\"'<>)]*)?",
    re.I,
)


@dataclass(frozen=True)
class Diagnosis:
    reason: str
    exit_code: int


def failure(output: str, sandboxed: bool) -> Diagnosis | None:
    """The cause of a failure without a denial, when the output shows one.

    `sandboxed`: the steps are pointed at an endpoint of ours, so a public AWS
    endpoint in the output means a client escaped it.
    """
    disk = _DISK_FULL.search(output)
    if disk:
        line = _line_of(output, disk.start())
        return Diagnosis(
            f"the step ran out of disk space ({line}): free some space and run again; "
            "a grant cannot fix that",
            ConfigError.exit_code,
        )
    if sandboxed:
        public = _PUBLIC_ENDPOINT.search(output)
        if public:
            url = f"https://{public.group(1)}{public.group(2) or '/'}"
            return Diagnosis(
                f"the step reached for the public AWS endpoint {url} instead of the sandbox: "
                "its client ignores AWS_ENDPOINT_URL (awscli v1 does for some services); "
                'pass --endpoint-url "$AWS_ENDPOINT_URL" to that command',
                ConfigError.exit_code,
            )
    return None


def _line_of(text: str, index: int, width: int = 160) -> str:
    start = text.rfind("\n", 0, index) + 1
    end = text.find("\n", index)
    return text[start : end if end != -1 else len(text)].strip()[:width]
