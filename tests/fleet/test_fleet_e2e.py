"""The fleet as a user drives it: real `autofix run` children, each with its own sandbox."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import AWS, REPO, read_json, run_autofix

pytestmark = pytest.mark.e2e

STEPS = {
    "topics": f"{AWS} sns create-topic --name fleet-topic",
    "buckets": f"{AWS} s3api create-bucket --bucket fleet-bucket",
    "broken": "echo 'this deploy tool is broken' >&2; exit 3",
}


def monorepo(root: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".gitignore").write_text("scratch/\n")
    for name, command in {**STEPS, "scratch/ignored": "exit 9"}.items():
        (root / name).mkdir(parents=True)
        (root / name / "autofix.toml").write_text(
            f'[[steps]]\nname = "deploy"\nrun = "{command}"\n'
        )
    return root


def services(fleet: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """fleet.json's services, less what differs between two runs of the same thing."""
    return {
        s["name"]: {k: v for k, v in s.items() if k not in ("seconds",)} for s in fleet["services"]
    }


@pytest.fixture(scope="module")
def fleet_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Any]:
    root = monorepo(tmp_path_factory.mktemp("mono"))
    out = root.parent / "fleet-out"
    result = run_autofix(
        "fleet", "run", ".", "-j", "2", "--no-verify", "--out", str(out), cwd=root, timeout=900
    )
    return root, out, result


def test_every_service_runs_and_a_failure_stops_no_other(
    fleet_run: tuple[Path, Path, Any],
) -> None:
    _root, out, result = fleet_run
    assert result.exit_code == 1, result.output
    fleet = read_json(out / "fleet.json")
    got = services(fleet)
    assert sorted(got) == ["broken", "buckets", "topics"], "scratch/ is gitignored"
    assert got["topics"]["actions"] == ["sns:CreateTopic"]
    assert got["topics"]["new_actions"] == ["sns:CreateTopic"]
    assert got["buckets"]["actions"] == ["s3:CreateBucket"]
    assert got["topics"]["state"] == got["buckets"]["state"] == "unverified"  # --no-verify
    assert got["broken"]["state"] == "failed" and got["broken"]["exit_code"] == 1
    assert fleet["machine"]["jobs"] == 2
    assert set(fleet["machine"]["peak_rss_mb"]) == {"broken", "buckets", "topics"}
    assert all(mb > 50 for mb in fleet["machine"]["peak_rss_mb"].values())
    for name in ("fleet.md", "fleet.html"):
        assert (out / name).is_file()
    assert "[topics](topics/report.html)" in (out / "fleet.md").read_text()
    assert (out / "topics" / "report.html").is_file()
    # the progress lines (plain: not a terminal) and the closing table
    assert "topics   deploy (1/1) · attempt 1 · 0 actions" in result.stderr
    assert "topics   unverified · 1 actions" in result.stderr
    assert "2 of 3 services ok" in result.stdout
    assert "Traceback" not in result.output


def test_report_over_separate_runs_equals_the_fleets(
    fleet_run: tuple[Path, Path, Any], tmp_path: Path
) -> None:
    """What the emitted workflow's matrix jobs do, one process per service, then one report
    (`--force`: the job's output directory holds its service.json before autofix starts)."""
    root, out, _ = fleet_run
    listed = json.loads(run_autofix("fleet", "list", "--json", ".", cwd=root).stdout)
    separate = tmp_path / "artifacts"
    children = []
    for service in listed:
        service_out = separate / service["name"]
        service_out.mkdir(parents=True)
        (service_out / "service.json").write_text(json.dumps(service))
        children.append(
            (
                service_out,
                subprocess.Popen(
                    [sys.executable, "-m", "autofix", "run", "--no-verify", "--force",
                     "--config", service["config"], "--out", str(service_out)],
                    cwd=root, stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                ),
            )
        )  # fmt: skip
    for service_out, child in children:
        (service_out / "exit-code").write_text(f"{child.wait(timeout=600)}\n")
    result = run_autofix("fleet", "report", str(separate))
    assert result.exit_code == 1, result.output  # `broken` failed there too
    assert services(read_json(separate / "fleet.json")) == services(read_json(out / "fleet.json"))


def test_merged_policy_replays_every_service_and_check_annotates(
    fleet_run: tuple[Path, Path, Any], tmp_path: Path
) -> None:
    root, out, _ = fleet_run
    merged = tmp_path / "merged.json"
    result = run_autofix("fleet", "merge-policy", str(out), "-o", str(merged))
    assert result.exit_code == 0, result.output
    assert "merged 2 service(s): 2 actions" in result.stdout
    assert "left out broken: its run did not succeed (failed)" in result.stdout
    check_out = tmp_path / "check"
    result = run_autofix(
        "fleet", "check", ".", "--exclude", "broken", "--policy", str(merged),
        "--out", str(check_out), "-j", "2", cwd=root, timeout=900,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    fleet = read_json(check_out / "fleet.json")
    assert fleet["mode"] == "check" and fleet["ok"]
    assert {s["name"]: s["state"] for s in fleet["services"]} == {"buckets": "ok", "topics": "ok"}
    # the topics service's policy alone lacks what buckets needs: named, and annotated
    narrow = run_autofix(
        "fleet", "check", ".", "--exclude", "broken", "--policy",
        str(out / "topics" / "policy.json"), "--out", str(tmp_path / "narrow"), cwd=root,
        timeout=900, env={"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(root)},
    )  # fmt: skip
    assert narrow.exit_code == 1, narrow.output
    got = {s["name"]: s for s in read_json(tmp_path / "narrow" / "fleet.json")["services"]}
    assert got["topics"]["ok"] and not got["buckets"]["ok"]
    assert got["buckets"]["new_actions"] == ["s3:CreateBucket"]
    annotations = [line for line in narrow.stdout.splitlines() if line.startswith("::error ")]
    assert len(annotations) == 1 and "file=buckets/autofix.toml" in annotations[0]
    assert "needs s3:CreateBucket" in annotations[0]


def test_sigterm_stops_every_child_and_resume_finishes(tmp_path: Path) -> None:
    root = tmp_path / "mono"
    go = tmp_path / "go"
    for name in ("slow-a", "slow-b"):
        (root / name).mkdir(parents=True)
        (root / name / "autofix.toml").write_text(
            '[[steps]]\nname = "deploy"\n'
            f'run = "{AWS} sns create-topic --name {name} && touch {tmp_path / name} && '
            f'(test -f {go} || sleep 300)"\n'
        )
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    fleet = subprocess.Popen(
        [sys.executable, "-m", "autofix", "fleet", "run", str(root), "-j", "2", "--no-verify",
         "--strategy", "trial", "--out", str(out)],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 300
    while not all((tmp_path / name).exists() for name in ("slow-a", "slow-b")):
        assert fleet.poll() is None, fleet.communicate()
        assert time.monotonic() < deadline, "the steps never reached their sleep"
        time.sleep(0.5)
    fleet.send_signal(signal.SIGTERM)
    stdout, stderr = fleet.communicate(timeout=120)
    assert fleet.returncode == 143, stderr
    assert "resume with: autofix fleet run --resume" in stdout
    assert _sleepers(go) == 0, "every child's step was stopped"
    states = {s["name"]: s["state"] for s in read_json(out / "fleet.json")["services"]}
    assert states == {"slow-a": "stopped", "slow-b": "stopped"}
    for name in ("slow-a", "slow-b"):
        assert read_json(out / name / "policy.json")["Statement"][0]["Action"] == [
            "sns:CreateTopic"
        ]
    go.touch()
    result = run_autofix("fleet", "run", "--resume", str(out), timeout=900)
    assert result.exit_code == 0, result.output
    assert "resuming: 0 service(s) done, 2 to run" in result.stdout
    states = {s["name"]: s["state"] for s in read_json(out / "fleet.json")["services"]}
    assert states == {"slow-a": "unverified", "slow-b": "unverified"}


def _sleepers(go: Path) -> int:
    found = subprocess.run(["pgrep", "-f", f"test -f {go}"], capture_output=True, text=True)
    return len(found.stdout.split())


def test_the_demo_monorepo_lists_four_services() -> None:
    listed = json.loads(run_autofix("fleet", "list", "--json", "playground/fleet", cwd=REPO).stdout)
    assert [s["name"] for s in listed] == ["cron", "queue", "upgrade-osls", "web"]
