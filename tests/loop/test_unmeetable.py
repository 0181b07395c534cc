"""A demand no grant can meet stops the step at the attempt that meets it, with one line.

The loop runs with the fakes of test_loop_unit (real grantors, guard and scoping); the
demand's origin is read from a deny log as the embedded sandbox writes it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from autofix.denials.model import Denial, Source
from autofix.harvest.demand_origin import DemandOrigin, from_evidence, sandbox_origins
from autofix.loop.grantor import GrantRules
from autofix.policy.scope import ScopeContext
from autofix.records.events import DemandUnmeetable, GrantAdded
from tests.loop.test_loop_unit import ACCOUNT, DEPLOYER, ROLE, Need, rig

MACHINE = DemandOrigin("AWS::StepFunctions::StateMachine", "Machine", "orders", "create", "schema")


def test_a_managed_roles_pass_role_on_any_stops_at_once_naming_it(tmp_path: Path) -> None:
    # CDK's execution role (FINDINGS class 9): the reason names the action, not "nothing named"
    needs = {"deploy": [Need("sqs:CreateQueue", "*", ROLE), Need("iam:PassRole", "*", ROLE)]}
    r = rig(tmp_path, needs, roles=(ROLE,))
    r.loop.repair.origins = lambda denial, since: MACHINE
    outcome = r.loop.run()

    assert outcome.exit_code == 3  # the guard refuses it on `*`: its documented exit
    assert outcome.attempts_total == 2  # the queue's grant, then the stop
    assert outcome.reason == (
        "a demand no grant can meet: Machine (AWS::StepFunctions::StateMachine) of stack "
        "orders demands iam:PassRole on * (demanded by the schema tier: every action its "
        "provider schema lists for its create handler (an upper bound)); autofix will not "
        f"grant it to {ROLE}: the safety guard refuses iam:PassRole on *: privilege "
        "escalation (iam:PassRole: hands a role's permissions to a service the deployer "
        "controls) is granted only on scoped resources"
    )
    [stop] = [e for e in r.seen if isinstance(e, DemandUnmeetable)]
    assert (stop.attempt, stop.principal, stop.rule, stop.tier) == (
        2,
        ROLE,
        "escalation-unscoped",
        "schema",
    )
    assert [g.action for g in r.seen if isinstance(g, GrantAdded)] == ["sqs:CreateQueue"]


def test_a_grant_scoped_away_from_any_stops_with_exit_1(tmp_path: Path) -> None:
    needs = {"deploy": [Need("iam:CreateServiceLinkedRole", "*")]}
    r = rig(tmp_path, needs)
    named = GrantRules(ScopeContext(ACCOUNT, "us-east-1", service_names=("photo-inbox",)))
    r.loop.repair.deployer.rules = named
    outcome = r.loop.run()

    assert outcome.exit_code == 1 and outcome.attempts_total == 1
    assert outcome.reason == (
        "a demand no grant can meet: the step demands iam:CreateServiceLinkedRole on * (seen "
        "in the step's output); autofix will not grant it: it is granted only on "
        f"arn:aws:iam::{ACCOUNT}:role/photo-inbox*, which a request on * never matches "
        "(`--scope any` would grant it on *)"
    )
    assert not [e for e in r.seen if isinstance(e, GrantAdded)]


def test_a_demand_on_any_that_is_granted_on_any_is_met(tmp_path: Path) -> None:
    r = rig(tmp_path, {"deploy": [Need("kms:CreateKey", "*"), Need("kms:CreateAlias", "*")]})
    outcome = r.loop.run()
    assert outcome.ok and outcome.attempts_total == 3
    assert not [e for e in r.seen if isinstance(e, DemandUnmeetable)]


def _deny(path: Path, second: int, **fields: str) -> None:
    record = {
        "time": f"2026-12-06T10:00:0{second}+00:00",
        "principal": DEPLOYER,
        "action": "iam:PassRole",
        "resource": "*",
        "deny": "implicit",
        "operation": "AWS::StepFunctions::StateMachine create",
        "demand": "schema",
        "logical_id": "Machine",
        "stack": "orders",
        **fields,
    }
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(record) + "\n")


def test_the_origin_is_the_latest_deny_log_record_of_the_attempt(tmp_path: Path) -> None:
    log = tmp_path / "sandbox-denials.jsonl"
    _deny(log, 1, logical_id="Old")  # an earlier attempt's
    _deny(log, 5, principal=ROLE, logical_id="Other")  # another principal's
    _deny(log, 6)
    _deny(log, 7, action="sqs:CreateQueue", logical_id="Queue")
    log.open("a").write("{torn\n")
    origins = sandbox_origins(log)
    since = datetime.fromisoformat("2026-12-06T10:00:03+00:00").timestamp()
    denial = Denial("iam:PassRole", "*", DEPLOYER)
    assert origins(denial, since) == MACHINE
    assert origins(replace(denial, principal=None), since) == MACHINE  # the latest
    assert origins(replace(denial, principal=ROLE), since) == replace(MACHINE, logical_id="Other")
    assert origins(denial, since + 3600) is None  # nothing since


def test_without_a_deny_log_the_stack_event_names_the_resource() -> None:
    event = Denial(
        "iam:PassRole",
        "*",
        source=Source.STACK_EVENTS,
        evidence="orders/Machine CREATE_FAILED: Resource handler returned message: ...",
    )
    assert from_evidence(event) == DemandOrigin(logical_id="Machine", stack="orders")
    assert sandbox_origins(Path("/nonexistent"))(event, 0.0) == from_evidence(event)
    assert from_evidence(replace(event, source=Source.OUTPUT)) is None
