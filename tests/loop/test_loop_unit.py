"""The repair loop and the verify pass with fakes: no sandbox, no subprocess, milliseconds.

A fake account knows which actions each step needs and of which principal; a step run
is denied the first need whose action the principal's policy in force lacks (as an
AWS client stops at its first AccessDenied). The grantors, the guard and the scoping
are the real ones.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from autofix.account.principal import AppliedPolicy
from autofix.config import Step
from autofix.denials.model import Denial, DenyKind
from autofix.loop import LoopSettings, OutputFiles, RepairLoop
from autofix.loop.grantor import Grantor, GrantRules
from autofix.loop.verify import Account, Unused, VerifyPass
from autofix.policy.document import Grant, PolicyDocument
from autofix.policy.scope import ScopeContext
from autofix.records.event_lines import iter_events, parse_record
from autofix.records.events import SCHEMA_VERSION, VERIFY, GrantAdded, LedgerEvent, StepOk
from autofix.records.ledger import Events, Ledger
from autofix.step.executor import Execution
from autofix.step.runner import StepResult

ACCOUNT = "123456789012"
DEPLOYER = f"arn:aws:iam::{ACCOUNT}:user/deployer"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/cfn-exec"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:orders"
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT}:jobs"
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/items"


@dataclass(frozen=True)
class Need:
    action: str
    resource: str
    principal: str = DEPLOYER
    deny: DenyKind = DenyKind.IMPLICIT
    warning: bool = False
    """Printed by a step that still succeeds (a warning)."""


class FakePrincipal:
    def __init__(self, arn: str) -> None:
        self.arn = arn
        self.managed_arn = f"arn:aws:iam::{ACCOUNT}:policy/autofix-discovered"
        self.in_force = PolicyDocument()
        self.applied = 0
        self.present = True
        """False: a role no step has made yet (apply would fail on a real account)."""

    def matches(self, principal_arn: str | None) -> bool:
        return principal_arn is None or principal_arn == self.arn

    def matches_exactly(self, principal_arn: str | None) -> bool:
        return principal_arn == self.arn

    def apply(self, policy: PolicyDocument) -> AppliedPolicy:
        self.in_force = policy
        self.applied += 1
        return AppliedPolicy("inline", "autofix-discovered", len(policy.grants))

    def wait_until_effective(self, policy: PolicyDocument, settle_seconds: float) -> float:
        return 0.0

    def exists(self) -> bool:
        return self.present


@dataclass
class FakeAccount:
    """Steps' needs, the principals, and how many times each step ran."""

    needs: Mapping[str, list[Need]]
    principals: dict[str, FakePrincipal] = field(default_factory=dict)
    runs: list[tuple[str, str]] = field(default_factory=list)
    stuck: set[str] = field(default_factory=set)
    """Actions denied even once granted (a grant that does not help)."""

    def principal(self, arn: str) -> FakePrincipal:
        return self.principals.setdefault(arn, FakePrincipal(arn))

    def execute(self, step: Step, attempt: int, phase: str = "discover") -> Execution:
        self.runs.append((step.name, phase))
        denied = [
            n
            for n in self.needs.get(step.name, [])
            if n.action.lower() in self.stuck
            or n.action.lower()
            not in {a.lower() for a in self.principal(n.principal).in_force.actions}
        ]
        blocking = [n for n in denied if not n.warning][:1]
        shown = blocking or [n for n in denied if n.warning]
        denials = tuple(
            Denial(n.action, n.resource, n.principal, n.deny, evidence=f"{n.action} denied")
            for n in shown
        )
        result = StepResult(1 if blocking else 0, "", "AccessDenied" if blocking else "", 0.01)
        return Execution(step, attempt, result, 0.0, denials)


def steps(*names: str) -> list[Step]:
    return [Step(name, f"deploy {name}", Path(".")) for name in names]


def rules() -> GrantRules:
    return GrantRules(ScopeContext(ACCOUNT, "us-east-1"))


@dataclass
class Rig:
    account: FakeAccount
    loop: RepairLoop
    seen: list[LedgerEvent]
    files: OutputFiles


def rig(
    tmp_path: Path,
    needs: Mapping[str, list[Need]],
    names: tuple[str, ...] = ("deploy",),
    roles: tuple[str, ...] = (),
    settings: LoopSettings | None = None,
    verify: VerifyPass | None = None,
    account: FakeAccount | None = None,
) -> Rig:
    account = account or FakeAccount(needs)
    seen: list[LedgerEvent] = []
    events = Events(seen.append)
    files = OutputFiles(tmp_path)
    deployer = Grantor(account.principal(DEPLOYER), PolicyDocument(), files.policy, rules(), events)
    role_grantors = {
        arn.rsplit("/", 1)[1]: Grantor(
            account.principal(arn),
            PolicyDocument(),
            files.role_policy(arn.rsplit("/", 1)[1]),
            rules(),
            events,
            is_deployer=False,
        )
        for arn in roles
    }
    loop = RepairLoop(
        steps(*names),
        account,
        deployer,
        settings or LoopSettings(account_id=ACCOUNT),
        events,
        files,
        roles=role_grantors,
        verifier=verify,
        sleep=lambda _s: None,
    )
    return Rig(account, loop, seen, files)


def kinds(seen: list[LedgerEvent], kind: str) -> list[LedgerEvent]:
    return [e for e in seen if e.kind == kind]


def summary(files: OutputFiles) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(files.summary.read_text())
    return loaded


def test_success_on_the_first_attempt_grants_nothing(tmp_path: Path) -> None:
    r = rig(tmp_path, {})
    outcome = r.loop.run()
    assert outcome.ok and outcome.exit_code == 0
    assert outcome.attempts_total == 1 and outcome.steps[0].actions == ()
    assert not kinds(r.seen, "grant_added")
    assert r.seen[0].kind == "run_start" and r.seen[-1].kind == "run_end"


def test_each_denial_is_granted_until_the_step_succeeds(tmp_path: Path) -> None:
    r = rig(
        tmp_path,
        {"deploy": [Need("sns:CreateTopic", TOPIC), Need("sqs:CreateQueue", QUEUE)]},
    )
    outcome = r.loop.run()
    assert outcome.ok and outcome.attempts_total == 3
    assert outcome.steps[0].actions == ("sns:CreateTopic", "sqs:CreateQueue")
    grants = [e for e in r.seen if isinstance(e, GrantAdded)]
    assert [(g.action, g.resource, g.attempt) for g in grants] == [
        ("sns:CreateTopic", TOPIC, 1),
        ("sqs:CreateQueue", QUEUE, 2),
    ]
    assert r.account.principal(DEPLOYER).in_force.actions == ("sns:CreateTopic", "sqs:CreateQueue")
    saved = json.loads(r.files.policy.read_text())
    assert {a for s in saved["Statement"] for a in s["Action"]} == {
        "sns:CreateTopic",
        "sqs:CreateQueue",
    }


def test_a_later_step_lists_only_the_actions_it_first_required(tmp_path: Path) -> None:
    r = rig(
        tmp_path,
        {
            "deploy": [Need("sns:CreateTopic", TOPIC)],
            "remove": [Need("sns:CreateTopic", TOPIC), Need("sns:DeleteTopic", TOPIC)],
        },
        names=("deploy", "remove"),
    )
    outcome = r.loop.run()
    assert [s.actions for s in outcome.steps] == [("sns:CreateTopic",), ("sns:DeleteTopic",)]
    assert [s.attempts for s in outcome.steps] == [2, 2]


def test_a_denial_a_grant_does_not_lift_is_no_progress(tmp_path: Path) -> None:
    account = FakeAccount({"deploy": [Need("sns:CreateTopic", TOPIC)]}, stuck={"sns:createtopic"})
    r = rig(tmp_path, {}, account=account)
    outcome = r.loop.run()
    assert not outcome.ok and outcome.exit_code == 1
    assert outcome.reason is not None and outcome.reason.startswith("no progress")
    assert "sns:CreateTopic" in outcome.reason
    assert outcome.attempts_total == 2


def test_propagation_retries_wait_before_giving_up(tmp_path: Path) -> None:
    account = FakeAccount({"deploy": [Need("sns:CreateTopic", TOPIC)]}, stuck={"sns:createtopic"})
    settings = LoopSettings(account_id=ACCOUNT, propagation_retries=2)
    r = rig(tmp_path, {}, account=account, settings=settings)
    outcome = r.loop.run()
    assert outcome.attempts_total == 4  # denied, granted, then two waits
    assert [e.kind for e in r.seen].count("wait") >= 2
    assert outcome.reason is not None and "no progress" in outcome.reason


def test_the_attempt_bound_stops_the_step(tmp_path: Path) -> None:
    needs = [
        Need(a, TABLE)
        for a in (
            "dynamodb:CreateTable",
            "dynamodb:DescribeTable",
            "dynamodb:TagResource",
            "dynamodb:UpdateTable",
        )
    ]
    r = rig(tmp_path, {"deploy": needs}, settings=LoopSettings(account_id=ACCOUNT, max_attempts=3))
    outcome = r.loop.run()
    assert not outcome.ok and outcome.exit_code == 1
    assert outcome.reason is not None and outcome.reason.startswith("attempt bound reached: 3")
    assert outcome.steps[0].attempts == 3 == outcome.attempts_total
    assert len(r.account.runs) == 3


def test_an_explicit_deny_is_never_granted(tmp_path: Path) -> None:
    r = rig(tmp_path, {"deploy": [Need("sns:CreateTopic", TOPIC, deny=DenyKind.SCP)]})
    outcome = r.loop.run()
    assert outcome.exit_code == 1
    assert outcome.reason is not None and "explicit deny (scp)" in outcome.reason
    assert not kinds(r.seen, "grant_added")
    assert r.account.principal(DEPLOYER).in_force.actions == ()


def test_another_principals_denial_stops_unless_it_is_managed(tmp_path: Path) -> None:
    needs = {"deploy": [Need("sqs:CreateQueue", QUEUE, principal=ROLE)]}
    unmanaged = rig(tmp_path / "a", needs)
    outcome = unmanaged.loop.run()
    assert outcome.exit_code == 1
    assert outcome.reason is not None and "which is not the deployer" in outcome.reason
    assert kinds(unmanaged.seen, "denial_other_principal")

    managed = rig(tmp_path / "b", needs, roles=(ROLE,))
    outcome = managed.loop.run()
    assert outcome.ok, outcome.reason
    grants = [e for e in managed.seen if isinstance(e, GrantAdded)]
    assert [(g.action, g.principal) for g in grants] == [("sqs:CreateQueue", ROLE)]
    assert managed.account.principal(ROLE).in_force.actions == ("sqs:CreateQueue",)
    assert managed.account.principal(DEPLOYER).in_force.actions == ()
    assert (tmp_path / "b" / "policy-cfn-exec.json").is_file()
    applied = [e for e in managed.seen if e.kind == "policy_applied"]
    assert applied[-1].fields()["principal"] == ROLE


def test_the_guard_refuses_for_a_managed_role_too(tmp_path: Path) -> None:
    # (a denial on `*` itself stops earlier, as a demand no grant can meet: test_unmeetable)
    every_policy = f"arn:aws:iam::{ACCOUNT}:policy/*"
    needs = {"deploy": [Need("iam:CreatePolicyVersion", every_policy, principal=ROLE)]}
    r = rig(tmp_path, needs, roles=(ROLE,))
    outcome = r.loop.run()
    assert outcome.exit_code == 3
    assert outcome.reason is not None
    assert outcome.reason.startswith(f"refused by the safety guard for {ROLE}")
    [refused] = kinds(r.seen, "guard_refused")
    assert refused.fields()["principal"] == ROLE
    assert r.account.principal(ROLE).in_force.actions == ()


def test_denials_printed_by_a_successful_step_are_granted(tmp_path: Path) -> None:
    r = rig(tmp_path, {"deploy": [Need("ssm:GetParameters", "*", warning=True)]})
    outcome = r.loop.run()
    assert outcome.ok and outcome.attempts_total == 1
    [ok] = [e for e in r.seen if isinstance(e, StepOk)]
    assert ok.granted_after_success == ["ssm:GetParameters"]
    [found] = kinds(r.seen, "denial_found")
    assert found.fields()["action"] == "ssm:GetParameters"
    assert "ssm:GetParameters" in r.loop.policy.actions


# -- the verify pass ----------------------------------------------------------------


class FreshAccounts:
    """Opens a new fake account per replay; `extra` needs appear only in fresh accounts."""

    def __init__(
        self,
        needs: Mapping[str, list[Need]],
        extra: Mapping[str, list[Need]],
        unused: tuple[str, ...] = (),
        unused_patterns: tuple[Grant, ...] = (),
    ) -> None:
        self.needs = needs
        self.extra = extra
        self.unused = unused
        self.unused_patterns = unused_patterns
        self.policies: dict[str, PolicyDocument] = {}
        self.make_account: Any = FakeAccount
        """Builds each replay's account from its needs (a test may use a stricter one)."""
        self.opened: list[str] = []

    @contextlib.contextmanager
    def __call__(
        self,
        label: str,
        policy: PolicyDocument,
        role_policies: Mapping[str, PolicyDocument],
        files: OutputFiles,
    ) -> Iterator[Account]:
        self.opened.append(label)
        self.policies[label] = policy
        merged = {
            k: [*self.needs.get(k, []), *self.extra.get(k, [])] for k in {*self.needs, *self.extra}
        }
        account = self.make_account(merged)
        events = Events()
        deployer = Grantor(account.principal(DEPLOYER), policy, files.policy, rules(), events)
        unused = self.unused if label != "verify-pruned" else ()
        patterns = self.unused_patterns if label != "verify-pruned" else ()
        yield Account(
            account, deployer, {}, lambda: tuple(unused), events, unused_patterns=lambda: patterns
        )


def verify_pass(
    tmp_path: Path, fresh: FreshAccounts, rounds: int = 3, names: tuple[str, ...] = ("deploy",)
) -> tuple[VerifyPass, list[LedgerEvent]]:
    seen: list[LedgerEvent] = []
    events = Events(seen.append)
    return (
        VerifyPass(
            steps(*names),
            LoopSettings(account_id=ACCOUNT),
            events,
            OutputFiles(tmp_path),
            fresh,
            rounds=rounds,
        ),
        seen,
    )


def test_a_clean_replay_verifies_the_policy(tmp_path: Path) -> None:
    needs = {"deploy": [Need("sns:CreateTopic", TOPIC)]}
    fresh = FreshAccounts(needs, {})
    verifier, _ = verify_pass(tmp_path, fresh)
    r = rig(tmp_path, needs, verify=verifier)
    outcome = r.loop.run()
    assert outcome.ok and outcome.verified is True and outcome.verification == "replayed"
    assert fresh.opened == ["verify-1"]
    assert outcome.attempts_total == 2 and outcome.verify_replays == 1
    assert summary(r.files)["verified"] is True


def test_a_failed_replay_grants_in_the_verify_pass_and_replays_again(tmp_path: Path) -> None:
    """Discovery's account did not need s3:PutObject (say, a bucket it had already);
    the fresh account does: the loop goes on there, and the next replay is clean."""
    needs = {"deploy": [Need("sns:CreateTopic", TOPIC)]}
    bucket = "arn:aws:s3:::deploys/object"
    fresh = FreshAccounts(needs, {"deploy": [Need("s3:PutObject", bucket)]})
    verifier, seen = verify_pass(tmp_path, fresh)
    r = rig(tmp_path, needs, verify=verifier)
    outcome = r.loop.run()
    assert outcome.ok and outcome.exit_code == 0 and outcome.verified is True
    assert fresh.opened == ["verify-1", "verify-2"]
    grants = [e for e in seen if isinstance(e, GrantAdded)]
    assert [(g.action, g.phase) for g in grants] == [("s3:PutObject", VERIFY)]
    assert "s3:PutObject" in r.loop.policy.actions
    saved = json.loads(r.files.policy.read_text())
    assert "s3:PutObject" in {a for s in saved["Statement"] for a in s["Action"]}
    # discovery 2 attempts + the granting replay's 2; the clean replay's 1 is shown apart
    assert outcome.attempts_total == 4 and outcome.verify_replays == 3
    assert outcome.steps[0].actions == ("sns:CreateTopic", "s3:PutObject")
    rounds = [e.fields() for e in seen if e.kind == "verify_round"]
    assert [(x["ok"], x["granted"]) for x in rounds] == [(True, ["s3:PutObject"]), (True, [])]


def test_replays_that_keep_needing_grants_end_unverified_with_exit_1(tmp_path: Path) -> None:
    class Growing(FreshAccounts):
        """Each fresh account needs one more action (as a regenerated name would)."""

        def __call__(self, label, policy, role_policies, files):  # type: ignore[no-untyped-def]
            n = len(self.opened)
            self.extra = {
                "deploy": [
                    Need(f"sqs:{op}", QUEUE)
                    for op in ("TagQueue", "SetQueueAttributes", "GetQueueUrl", "ListQueues")[
                        : n + 1
                    ]
                ]
            }
            return super().__call__(label, policy, role_policies, files)

    needs = {"deploy": [Need("sns:CreateTopic", TOPIC)]}
    fresh = Growing(needs, {})
    verifier, _ = verify_pass(tmp_path, fresh, rounds=2)
    r = rig(tmp_path, needs, verify=verifier)
    outcome = r.loop.run()
    assert not outcome.ok and outcome.exit_code == 1 and outcome.verified is False
    assert outcome.reason is not None and outcome.reason.startswith("failed: 2 replays")
    assert "sqs:SetQueueAttributes" in outcome.reason  # what kept failing
    saved = summary(r.files)
    assert saved["verified"] is False and saved["ok"] is False
    assert str(saved["verification"]).startswith("failed: ")


def test_a_replay_stopped_by_an_explicit_deny_names_the_step(tmp_path: Path) -> None:
    needs = {"deploy": [Need("sns:CreateTopic", TOPIC)]}
    fresh = FreshAccounts(needs, {"deploy": [Need("kms:Decrypt", "*", deny=DenyKind.BOUNDARY)]})
    verifier, seen = verify_pass(tmp_path, fresh)
    outcome = rig(tmp_path, needs, verify=verifier).loop.run()
    assert outcome.exit_code == 1 and outcome.verified is False
    assert outcome.reason is not None and "step deploy failed" in outcome.reason
    assert "explicit deny" in outcome.reason
    assert [e.kind for e in seen].count("verify_failed") == 1


def test_unused_grants_are_pruned_when_the_smaller_policy_replays(tmp_path: Path) -> None:
    needs = {"deploy": [Need("sns:CreateTopic", TOPIC), Need("sns:TagResource", TOPIC)]}
    fresh = FreshAccounts(
        {"deploy": [Need("sns:CreateTopic", TOPIC)]}, {}, unused=("sns:TagResource",)
    )
    verifier, seen = verify_pass(tmp_path, fresh)
    outcome = rig(tmp_path, needs, verify=verifier).loop.run()
    assert outcome.ok and outcome.pruned == ("sns:TagResource",)
    assert fresh.opened == ["verify-1", "verify-pruned"]
    assert outcome.steps[0].actions == ("sns:CreateTopic",)
    assert [e.kind for e in seen].count("grant_pruned") == 1


def test_a_resource_pattern_no_call_matched_is_pruned_and_its_action_kept(
    tmp_path: Path,
) -> None:
    stale = Grant("sns:CreateTopic", f"arn:aws:sns:us-east-1:{ACCOUNT}:order-*-topicbucket-*")
    start = PolicyDocument((Grant("sns:CreateTopic", TOPIC), stale))
    fresh = FreshAccounts(
        {"deploy": [Need("sns:CreateTopic", TOPIC)]}, {}, unused_patterns=(stale,)
    )
    verifier, seen = verify_pass(tmp_path, fresh)
    result = verifier(start, {}, float("inf"))
    assert result.verified and result.pruned == ()  # no action went
    assert result.policy.grants == (Grant("sns:CreateTopic", TOPIC),)
    assert fresh.opened == ["verify-1", "verify-pruned"]
    assert not fresh.policies["verify-pruned"].has(stale)
    [pruned] = [e.fields() for e in seen if e.kind == "grant_pruned"]
    assert pruned["resource"] == stale.resource and pruned["action"] == "sns:CreateTopic"


@dataclass
class PatternNeeded(FakeAccount):
    """Denies sns:CreateTopic unless `pattern` is in force (a pattern the record missed)."""

    pattern: Grant | None = None

    def execute(self, step: Step, attempt: int, phase: str = "discover") -> Execution:
        in_force = self.principal(DEPLOYER).in_force
        needed = self.pattern is not None and not in_force.has(self.pattern)
        self.stuck = {"sns:createtopic"} if needed else set()
        return super().execute(step, attempt, phase)


def test_a_pattern_prune_that_fails_still_lets_the_unused_actions_go(tmp_path: Path) -> None:
    stale = Grant("sns:CreateTopic", f"arn:aws:sns:us-east-1:{ACCOUNT}:order-*")
    start = PolicyDocument(
        (Grant("sns:CreateTopic", TOPIC), stale, Grant("sns:TagResource", TOPIC))
    )
    needs = {"deploy": [Need("sns:CreateTopic", TOPIC)]}
    fresh = FreshAccounts(needs, {}, unused=("sns:TagResource",), unused_patterns=(stale,))
    fresh.make_account = lambda merged: PatternNeeded(merged, pattern=stale)
    verifier, seen = verify_pass(tmp_path, fresh)
    result = verifier(start, {}, float("inf"))
    assert result.verified and result.pruned == ("sns:TagResource",)
    assert result.policy.has(stale) and not result.policy.has(Grant("sns:TagResource", TOPIC))
    assert fresh.opened == ["verify-1", "verify-pruned", "verify-pruned"]
    [reverted] = [e.fields() for e in seen if e.kind == "prune_reverted"]
    assert reverted["actions"] == [f"sns:CreateTopic on {stale.resource}"]


def test_a_pruned_policy_that_fails_keeps_the_grants(tmp_path: Path) -> None:
    needs = {"deploy": [Need("sns:CreateTopic", TOPIC), Need("sns:TagResource", TOPIC)]}
    fresh = FreshAccounts(needs, {}, unused=("sns:TagResource",))
    verifier, seen = verify_pass(tmp_path, fresh)
    outcome = rig(tmp_path, needs, verify=verifier).loop.run()
    assert outcome.ok and outcome.pruned == ()
    assert "sns:TagResource" in outcome.steps[0].actions
    assert [e.kind for e in seen].count("prune_reverted") == 1


def test_without_a_verifier_the_result_says_unverified(tmp_path: Path) -> None:
    r = rig(tmp_path, {"deploy": [Need("sns:CreateTopic", TOPIC)]})
    outcome = r.loop.run()
    assert outcome.ok and outcome.verified is False
    assert outcome.verification == "skipped (--no-verify)"
    saved = summary(r.files)
    assert saved["verified"] is False and saved["verification"] == "skipped (--no-verify)"


# -- typed events ---------------------------------------------------------------------


def test_every_event_round_trips_through_a_ledger_line(tmp_path: Path) -> None:
    r = rig(
        tmp_path,
        {
            "deploy": [
                Need("sns:CreateTopic", TOPIC),
                Need("sqs:CreateQueue", QUEUE, principal=ROLE),
            ]
        },
        roles=(ROLE,),
    )
    r.loop.run()
    ledger = Ledger(tmp_path / "ledger.jsonl", "run1")
    for event in r.seen:
        ledger(event)
    ledger.close()
    lines = [json.loads(x) for x in (tmp_path / "ledger.jsonl").read_text().splitlines()]
    assert {x["schema"] for x in lines} == {SCHEMA_VERSION}
    assert [x["event"] for x in lines] == [e.kind for e in r.seen]
    assert list(iter_events(tmp_path / "ledger.jsonl")) == r.seen
    assert parse_record({"event": "grant_added", "action": "x"}) is None  # fields missing
    assert parse_record({"event": "no_such_event"}) is None


def test_legacy_emit_builds_the_typed_event_and_refuses_unknown_kinds() -> None:
    seen: list[LedgerEvent] = []
    events = Events(seen.append)
    events.emit("wait", seconds=1.0, why="because")
    assert seen[0].kind == "wait" and seen[0].fields()["why"] == "because"
    with pytest.raises(KeyError):
        events.emit("no_such_event")


def test_an_interrupt_keeps_the_finished_steps_and_the_policy(tmp_path: Path) -> None:
    class Interrupted(FakeAccount):
        def execute(self, step: Step, attempt: int, phase: str = "discover") -> Execution:
            if step.name == "remove":
                raise KeyboardInterrupt
            return super().execute(step, attempt, phase)

    account = Interrupted({"deploy": [Need("sns:CreateTopic", TOPIC)]})
    r = rig(tmp_path, {}, names=("deploy", "remove"), account=account)
    with pytest.raises(KeyboardInterrupt):
        r.loop.run()
    saved = summary(r.files)
    assert saved["exit_code"] == 130 and saved["reason"] == "interrupted"
    assert [s["name"] for s in saved["steps"]] == ["deploy"]
    assert "sns:CreateTopic" in r.files.policy.read_text()
    assert r.seen[-2].kind == "run_interrupted"


def test_an_interrupt_in_the_verify_pass_keeps_its_grants(tmp_path: Path) -> None:
    needs = {"deploy": [Need("sns:CreateTopic", TOPIC)]}

    class InterruptedReplays(FreshAccounts):
        @contextlib.contextmanager
        def __call__(self, label, policy, role_policies, files):  # type: ignore[no-untyped-def]
            if label == "verify-2":
                raise KeyboardInterrupt
            with super().__call__(label, policy, role_policies, files) as account:
                yield account

    fresh = InterruptedReplays(needs, {"deploy": [Need("s3:PutObject", "arn:aws:s3:::b/k")]})
    verifier, _ = verify_pass(tmp_path, fresh)
    r = rig(tmp_path, needs, verify=verifier)
    with pytest.raises(KeyboardInterrupt):
        r.loop.run()
    assert "s3:PutObject" in r.files.policy.read_text()
    assert summary(r.files)["exit_code"] == 130


def test_a_managed_role_a_step_makes_gets_its_policy_in_the_replay_once_it_exists(
    tmp_path: Path,
) -> None:
    """principal.also_manage with a role the steps create (CDK's execution role, made by the
    bootstrap): the fresh account has no role to hold its policy at the start of the replay;
    it is applied before the first attempt after the role exists, and the replay is clean."""

    class RoleMadeByAStep(FakeAccount):
        def execute(self, step: Step, attempt: int, phase: str = "discover") -> Execution:
            if step.name == "make-role":
                self.principal(ROLE).present = True
            return super().execute(step, attempt, phase)

    class NoRoleYet(FakePrincipal):
        def apply(self, policy: PolicyDocument) -> AppliedPolicy:
            assert self.present, "a policy applied to a role that does not exist yet"
            return super().apply(policy)

    roles_seen: list[FakePrincipal] = []

    class Fresh(FreshAccounts):
        @contextlib.contextmanager
        def __call__(  # type: ignore[override]
            self,
            label: str,
            policy: PolicyDocument,
            role_policies: Mapping[str, PolicyDocument],
            files: OutputFiles,
        ) -> Iterator[Account]:
            self.opened.append(label)
            account = RoleMadeByAStep(self.needs)
            role = account.principals.setdefault(ROLE, NoRoleYet(ROLE))
            role.present = False
            roles_seen.append(role)
            events = Events()
            deployer = Grantor(account.principal(DEPLOYER), policy, files.policy, rules(), events)
            roles = {
                "cfn-exec": Grantor(
                    role,
                    role_policies["cfn-exec"],
                    files.role_policy("cfn-exec"),
                    rules(),
                    events,
                    is_deployer=False,
                )
            }
            yield Account(account, deployer, roles, lambda: (), events)

    needs = {"deploy": [Need("sqs:CreateQueue", QUEUE, principal=ROLE)]}
    fresh = Fresh(needs, {})
    verifier, _ = verify_pass(tmp_path, fresh, names=("make-role", "deploy"))
    r = rig(
        tmp_path,
        needs,
        names=("make-role", "deploy"),
        roles=(ROLE,),
        verify=verifier,
        account=RoleMadeByAStep(needs),
    )
    outcome = r.loop.run()
    assert outcome.ok and outcome.verified is True and outcome.verification == "replayed"
    assert fresh.opened == ["verify-1"]  # clean at once: no grant was needed again
    (role,) = roles_seen
    assert role.applied == 1 and "sqs:CreateQueue" in role.in_force.actions


class FreshAccountsWithRole(FreshAccounts):
    """FreshAccounts whose accounts also hold the managed role ROLE (`cfn-exec`), whose
    unused grants the replay reports as `role_unused`."""

    role_unused: Unused = Unused()

    @contextlib.contextmanager
    def __call__(
        self,
        label: str,
        policy: PolicyDocument,
        role_policies: Mapping[str, PolicyDocument],
        files: OutputFiles,
    ) -> Iterator[Account]:
        self.opened.append(label)
        self.policies[label] = policy
        self.role_policies = getattr(self, "role_policies", {})
        self.role_policies[label] = role_policies.get("cfn-exec", PolicyDocument())
        account = self.make_account(self.needs)
        events = Events()
        deployer = Grantor(account.principal(DEPLOYER), policy, files.policy, rules(), events)
        role = Grantor(
            account.principal(ROLE),
            role_policies.get("cfn-exec", PolicyDocument()),
            files.role_policy("cfn-exec"),
            rules(),
            events,
            is_deployer=False,
        )
        pruned_replay = label == "verify-pruned"
        unused = () if pruned_replay else self.unused
        of_role = {} if pruned_replay else {"cfn-exec": self.role_unused}
        yield Account(
            account,
            deployer,
            {"cfn-exec": role},
            lambda: tuple(unused),
            events,
            roles_unused=lambda: of_role,
        )


def test_a_managed_role_s_unused_grant_is_pruned_too(tmp_path: Path) -> None:
    """Issue 18: verify pruned only the deployer's policy; a managed role's grant (CDK's
    execution role) that no call of the role used stayed in its policy file."""
    queue = Grant("sqs:CreateQueue", QUEUE)
    stale = Grant("sqs:TagQueue", QUEUE)
    needs = {"deploy": [Need("sns:CreateTopic", TOPIC), Need("sqs:CreateQueue", QUEUE, ROLE)]}
    fresh = FreshAccountsWithRole(needs, {}, unused=("sns:TagResource",))
    fresh.role_unused = Unused(actions=("sqs:TagQueue",))
    verifier, seen = verify_pass(tmp_path, fresh)
    start = PolicyDocument((Grant("sns:CreateTopic", TOPIC), Grant("sns:TagResource", TOPIC)))
    result = verifier(start, {"cfn-exec": PolicyDocument((queue, stale))}, float("inf"))
    assert result.verified
    assert result.pruned == ("sns:TagResource", "sqs:TagQueue (role cfn-exec)")
    assert result.role_policies["cfn-exec"].grants == (queue,)
    assert fresh.opened == ["verify-1", "verify-pruned"]
    assert fresh.role_policies["verify-pruned"].grants == (queue,)
    pruned = [e.fields() for e in seen if e.kind == "grant_pruned"]
    assert [(p["action"], p.get("role")) for p in pruned] == [
        ("sns:TagResource", None),
        ("sqs:TagQueue", "cfn-exec"),
    ]


def test_a_role_prune_that_fails_still_lets_the_deployer_s_unused_actions_go(
    tmp_path: Path,
) -> None:
    queue = Grant("sqs:CreateQueue", QUEUE)
    needs = {"deploy": [Need("sns:CreateTopic", TOPIC), Need("sqs:CreateQueue", QUEUE, ROLE)]}
    fresh = FreshAccountsWithRole(needs, {}, unused=("sns:TagResource",))
    fresh.role_unused = Unused(actions=("sqs:CreateQueue",))  # the record missed a call
    verifier, seen = verify_pass(tmp_path, fresh)
    start = PolicyDocument((Grant("sns:CreateTopic", TOPIC), Grant("sns:TagResource", TOPIC)))
    result = verifier(start, {"cfn-exec": PolicyDocument((queue,))}, float("inf"))
    assert result.verified and result.pruned == ("sns:TagResource",)
    assert result.role_policies["cfn-exec"].grants == (queue,)
    assert fresh.opened == ["verify-1", "verify-pruned", "verify-pruned"]
    [reverted] = [e.fields() for e in seen if e.kind == "prune_reverted"]
    assert reverted["actions"] == ["sqs:CreateQueue (role cfn-exec)"]


@dataclass
class SharedAccount(FakeAccount):
    """An account another user deploys in too: the first attempt's records hold that user's
    failed stack (its denial) beside the deployer's own."""

    stranger: str = f"arn:aws:iam::{ACCOUNT}:user/someone-else"

    def execute(self, step: Step, attempt: int, phase: str = "discover") -> Execution:
        done = super().execute(step, attempt, phase)
        if attempt > 1:
            return done
        theirs = Denial("sns:Publish", TOPIC, self.stranger, DenyKind.IMPLICIT, evidence="x")
        return replace(done, denials=(*done.denials, theirs))


def test_another_users_denial_beside_the_deployers_own_does_not_stop_the_run(
    tmp_path: Path,
) -> None:
    account = SharedAccount({"deploy": [Need("sqs:CreateQueue", QUEUE)]})
    r = rig(tmp_path, {}, account=account)
    outcome = r.loop.run()
    assert outcome.ok, outcome.reason
    assert outcome.attempts_total == 2
    [other] = kinds(r.seen, "denial_other_principal")
    assert other.fields()["principal"] == account.stranger
    granted = [(e.action, e.principal) for e in r.seen if isinstance(e, GrantAdded)]
    assert granted == [("sqs:CreateQueue", DEPLOYER)]
