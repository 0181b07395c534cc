"""A discovered policy too large for one managed policy is split across several; waiting
for it to be in force reads every part back (it compared the first part with the whole,
and a large service such as alb-lambda stopped with NotYetInForce after two minutes)."""

from __future__ import annotations

from autofix.account.principal import Deployer
from autofix.account.session import local_operator
from autofix.config.tables import PrincipalConfig
from autofix.policy.document import Grant, PolicyDocument
from autofix.sandbox.server import SandboxInfo


def test_a_policy_split_across_managed_policies_is_awaited_whole(sandbox: SandboxInfo) -> None:
    operator = local_operator(sandbox)
    config = PrincipalConfig(name="parts-deployer", policy_name="parts-discovered")
    deployer = Deployer(operator, config)
    deployer.ensure()
    functions = f"arn:aws:lambda:{operator.region}:{operator.account_id}:function"
    policy = PolicyDocument(
        tuple(
            Grant(action, f"{functions}:service-{n}-with-a-long-function-name")
            for n in range(150)
            for action in ("lambda:GetFunction", "lambda:UpdateFunctionCode")
        )
    )
    applied = deployer.apply(policy)
    assert applied.parts > 1
    assert deployer.wait_until_effective(policy, 0.0) < 30
    second = deployer.stored_policy(1)
    assert second is not None and second["Statement"]

    small = PolicyDocument(policy.grants[:2])
    assert deployer.apply(small).parts == 1
    iam = operator.client("iam")
    attached = iam.list_attached_user_policies(UserName=config.name)["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["parts-discovered"]  # no stale second part
