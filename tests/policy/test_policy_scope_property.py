"""Property: whatever the names, a generalised pattern still matches the denied resource."""

from hypothesis import given, settings
from hypothesis import strategies as st

from autofix.policy.arns import matches
from autofix.policy.scope import ScopeContext, generalise

NAME = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.", min_size=1, max_size=30)
TEMPLATES = [
    (
        "cloudformation:DescribeStacks",
        "arn:aws:cloudformation:us-east-1:123456789012:stack/{n}/{x}",
    ),
    ("s3:PutObject", "arn:aws:s3:::{n}/{x}/{n}.zip"),
    ("iam:PassRole", "arn:aws:iam::123456789012:role/{n}-{x}"),
    ("lambda:GetFunction", "arn:aws:lambda:us-east-1:123456789012:function:{n}:{x}"),
    ("logs:CreateLogGroup", "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/{n}:*"),
    ("apigateway:GET", "arn:aws:apigateway:us-east-1::/restapis/{x}/stages/{n}"),
]


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(TEMPLATES),
    NAME,
    NAME,
    st.sampled_from(["resource", "service"]),
    st.lists(NAME, max_size=3),
)
def test_generalised_pattern_matches_the_original(
    template: tuple[str, str], name: str, extra: str, mode: str, stages: list[str]
) -> None:
    action, fmt = template
    arn = fmt.format(n=name, x=extra)
    ctx = ScopeContext("123456789012", "us-east-1", mode, (name[:5],), tuple(stages))  # type: ignore[arg-type]
    assert matches(generalise(arn, ctx, action=action, strict=True), arn)
