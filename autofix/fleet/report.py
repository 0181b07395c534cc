"""`fleet.json`: one record per service, read only from the service's output directory, so
that `autofix fleet report` over a CI matrix's artifacts gives what the local fleet gave.

A service's output directory holds what `autofix run` (or `autofix check --json > check.json`)
wrote, plus three small files the fleet (or the emitted workflow) adds: `service.json` (its
name and config, as `autofix fleet list --json` lists it), `exit-code`, and
`saved-policy.json` (its saved policy as it was before the run, when there was one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from autofix.errors import ConfigError
from autofix.fleet.discover import Service
from autofix.policy.document import PolicyDocument, PolicyError
from autofix.records.files import read_json_object, write_json_atomic

__all__ = [
    "FLEET_JSON",
    "FleetReport",
    "ServiceReport",
    "find_service_dirs",
    "read_service",
    "write_service_marks",
]

FLEET_JSON = "fleet.json"
SERVICE_JSON = "service.json"
EXIT_CODE = "exit-code"
SAVED_POLICY = "saved-policy.json"
CHECK_JSON = "check.json"


@dataclass(frozen=True)
class ServiceReport:
    """One service's result, as `fleet.json` lists it."""

    name: str
    config: str
    out_dir: str
    """Relative to fleet.json's directory."""
    mode: str
    """`run` or `check`."""
    state: str
    """ok, unverified (ok, but the policy was not replayed), failed, stopped, not started."""
    ok: bool
    verified: bool
    exit_code: int | None
    attempts: int
    seconds: float
    actions: tuple[str, ...]
    new_actions: tuple[str, ...]
    """Actions its saved policy did not grant (run), or the missing ones (check)."""
    unverified: tuple[str, ...]
    schema_bound: tuple[str, ...]
    reason: str | None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("actions", "new_actions", "unverified", "schema_bound"):
            data[key] = list(data[key])
        return data


@dataclass(frozen=True)
class FleetReport:
    services: tuple[ServiceReport, ...]
    mode: str

    @property
    def ok(self) -> bool:
        return bool(self.services) and all(s.ok for s in self.services)

    def to_json(self, machine: dict[str, Any] | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "ok": self.ok,
            "mode": self.mode,
            "services": [s.to_json() for s in self.services],
            "totals": {
                "services": len(self.services),
                "ok": sum(s.ok for s in self.services),
                "failed": sum(not s.ok for s in self.services),
                "actions": len({a for s in self.services for a in s.actions}),
            },
        }
        if machine:
            data["machine"] = machine
        return data

    def write(self, directory: Path, machine: dict[str, Any] | None = None) -> Path:
        path = directory / FLEET_JSON
        write_json_atomic(path, self.to_json(machine))
        return path


def write_service_marks(out_dir: Path, service: Service, exit_code: int | None = None) -> None:
    """`service.json` before the child starts; `exit-code` once it ended."""
    if exit_code is None:
        write_json_atomic(out_dir / SERVICE_JSON, service.to_json())
    else:
        (out_dir / EXIT_CODE).write_text(f"{exit_code}\n", encoding="utf-8")


def find_service_dirs(roots: Sequence[Path]) -> list[Path]:
    """The service output directories under `roots`: those with a `service.json`, a
    `summary.json` or a `check.json` (a directory that is one is not searched further)."""
    found: list[Path] = []
    for root in roots:
        if not root.is_dir():
            raise ConfigError(f"{root}: no such directory")
        found.extend(_walk(root))
    return sorted(set(found))


def _walk(directory: Path) -> list[Path]:
    if any((directory / n).is_file() for n in (SERVICE_JSON, "summary.json", CHECK_JSON)):
        return [directory]
    return [d for child in sorted(directory.iterdir()) if child.is_dir() for d in _walk(child)]


def read_service(out_dir: Path, relative_to: Path, not_started: bool = False) -> ServiceReport:
    """A service's record from its output directory alone."""
    mark = read_json_object(out_dir / SERVICE_JSON) or {}
    name = str(mark.get("name") or _relative(out_dir, relative_to))
    config = str(mark.get("config") or "")
    exit_code = _exit_code(out_dir)
    if (out_dir / CHECK_JSON).is_file():
        check = read_json_object(out_dir / CHECK_JSON) or {}
        return _from_check(name, config, out_dir, relative_to, check, exit_code)
    summary = read_json_object(out_dir / "summary.json")
    actions = _actions(out_dir / "policy.json")
    saved = _actions(out_dir / SAVED_POLICY)
    if summary is None:
        state = "not started" if not_started and exit_code is None else "failed"
        return ServiceReport(
            name, config, _relative(out_dir, relative_to), "run", state, False, False,
            exit_code, 0, 0.0, actions, (), (), (),
            _last_line(out_dir / "autofix.log") or "no summary.json",
        )  # fmt: skip
    code = exit_code if exit_code is not None else summary.get("exit_code")
    ok = bool(summary.get("ok")) and code == 0
    verified = bool(summary.get("verified"))
    interrupted = code in (130, 143)
    state = (
        "stopped" if interrupted else ("failed" if not ok else "ok" if verified else "unverified")
    )
    resources = [*summary.get("resources", []), *summary.get("verify_resources", [])]
    return ServiceReport(
        name=name,
        config=config,
        out_dir=_relative(out_dir, relative_to),
        mode="run",
        state=state,
        ok=ok,
        verified=verified,
        exit_code=code,
        attempts=int(summary.get("attempts_total") or 0),
        seconds=float(summary.get("seconds") or 0.0),
        actions=actions,
        new_actions=tuple(a for a in actions if a not in set(saved)),
        unverified=_resources(summary.get("unverified", [])),
        schema_bound=_resources(r for r in resources if r.get("tier") == "schema-bound"),
        reason=summary.get("reason"),
    )


def _from_check(
    name: str,
    config: str,
    out_dir: Path,
    relative_to: Path,
    check: dict[str, Any],
    exit_code: int | None,
) -> ServiceReport:
    code = exit_code if exit_code is not None else check.get("exit_code")
    ok = bool(check.get("ok")) and code == 0
    steps = check.get("steps", [])
    missing = tuple(
        dict.fromkeys(
            m.get("action") or "an unnamed action" for s in steps for m in s.get("missing", [])
        )
    )
    reasons = [f"{s['name']}: {s['reason']}" for s in steps if not s.get("ok") and s.get("reason")]
    return ServiceReport(
        name, config, _relative(out_dir, relative_to), "check",
        "ok" if ok else ("stopped" if code in (130, 143) else "failed"), ok, ok, code,
        len(steps), round(sum(float(s.get("seconds") or 0) for s in steps), 2),
        _actions(out_dir / "policy-checked.json"), missing, (), (),
        "; ".join(reasons) or (None if ok else _last_line(out_dir / "autofix.log")),
    )  # fmt: skip


def _resources(records: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(f"{r.get('type', '?')} {r.get('logical_id', '?')}" for r in records))


def _actions(path: Path) -> tuple[str, ...]:
    if not path.is_file():
        return ()
    try:
        doc = PolicyDocument.load(path, check_actions=False)
    except (PolicyError, OSError, ValueError):
        return ()
    return tuple(sorted(set(doc.actions), key=str.lower))


def _exit_code(out_dir: Path) -> int | None:
    try:
        return int((out_dir / EXIT_CODE).read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None


def _relative(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _last_line(path: Path) -> str | None:
    try:
        lines = [x for x in path.read_text(encoding="utf-8", errors="replace").splitlines() if x]
    except OSError:
        return None
    return lines[-1][:300] if lines else None
