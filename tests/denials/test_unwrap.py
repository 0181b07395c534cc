"""Lines are joined without a space only where the evidence says a terminal cut a token."""

from __future__ import annotations

import random
import string
import textwrap
from pathlib import Path

import pytest

from autofix.denials.normalise import normalise
from autofix.denials.parse import parse_denials

DENIAL = (
    "User: arn:aws:iam::123456789012:user/deployer is not authorized to perform: "
    "s3:PutObject on resource: arn:aws:s3:::b/k"
)


def _same_width(lines: list[str], width: int) -> list[str]:
    return [line.ljust(width, ".")[:width] for line in lines]


def test_same_width_lines_do_not_glue_a_word_onto_a_resource() -> None:
    width = len(DENIAL)
    filler = [f"Checking Stack update progress {i}" for i in range(40)]
    after = "An error occurred while uploading the artifacts to the deployment bucket"
    lines = [*_same_width(filler, width), DENIAL, *_same_width([after], width), *filler[:3]]
    assert all(len(line) == width for line in lines[:42])
    found = parse_denials("\n".join(lines))
    assert [(d.action, d.resource) for d in found] == [("s3:PutObject", "arn:aws:s3:::b/k")]


def test_a_new_log_record_at_the_cut_width_is_not_joined() -> None:
    width = len(DENIAL)
    record = "2024-05-01T10:00:00Z starting the next upload of the service artifacts"
    lines = _same_width([f"line {i} of the build log" for i in range(10)], width)
    text = "\n".join([*lines, DENIAL, record.ljust(width, ".")])
    assert "arn:aws:s3:::b/k 2024" not in normalise(text)
    assert parse_denials(text)[0].resource == "arn:aws:s3:::b/k"


def test_a_terminal_cut_inside_an_arn_is_joined() -> None:
    # CDK's warning (aws-samples/aws-genai-llm-chatbot#454) cut by an 80-column terminal,
    # once right before an upper-case letter inside the quoted role ARN.
    message = (
        "current credentials could not be used to assume 'arn:aws:iam::123456789012:role/"
        "cdk-hnb659fds-deploy-role-123456789012-US-EAST-1', but are for the right account. "
        "Proceeding anyway."
    )
    cut = message.index("US-EAST-1") + 1
    width = cut - message.rfind("\n", 0, cut) - 1
    pieces = [message[i : i + width] for i in range(0, len(message), width)]
    text = "\n".join(pieces * 3)
    assert any(p.endswith("-U") for p in pieces)
    found = parse_denials(text)
    assert [d.resource for d in found] == [
        "arn:aws:iam::123456789012:role/cdk-hnb659fds-deploy-role-123456789012-US-EAST-1"
    ]


def test_a_word_cut_by_the_terminal_is_joined() -> None:
    message = (
        "An error occurred (AccessDenied) when calling the CreateRole operation: User: "
        "arn:aws:iam::123456789012:user/deployer is not authorized to perform: iam:CreateRole "
        "on resource: arn:aws:iam::123456789012:role/app-role with an explicit deny in a "
        "service control policy"
    )
    text = "\n".join(message[i : i + 80] for i in range(0, len(message), 80))
    (denial,) = parse_denials(text + "\n" + text)
    assert denial.action == "iam:CreateRole"
    assert denial.resource == "arn:aws:iam::123456789012:role/app-role"
    assert denial.deny.value == "scp" and not denial.fixable


def test_a_reason_cut_in_two_without_width_evidence_still_names_the_boundary() -> None:
    # The IAM guide's boundary example, cut once by a tool, mid-word, at no terminal width.
    text = (
        "User: arn:aws:iam::123456789012:user/JohnDoe is not authorized to perform: "
        "codedeploy:ListDeployments on resource: arn:aws:codedeploy:us-east-1:123456789012:"
        "deploymentgroup:* because no permissions boun\n"
        "dary allows the codedeploy:ListDeployments action"
    )
    (denial,) = parse_denials(text)
    assert denial.deny.value == "boundary" and not denial.fixable


def test_an_elided_sentence_keeps_the_explicit_deny_of_its_frame() -> None:
    text = (
        "An error occurred (AccessDenied) when calling the CreateRole operation: User: ... "
        "is not authorized to perform: ... on resource: ... with an explicit deny in a "
        "service control policy"
    )
    (denial,) = parse_denials(text)
    assert denial.action == "iam:CreateRole"
    assert denial.deny.value == "scp" and not denial.fixable


def test_an_action_that_exactly_fills_a_table_cell_is_not_glued_to_the_next_word() -> None:
    # SAM CLI 1.170.0's event table (captured on the sandbox): `dynamodb:DescribeTable` is
    # exactly the reason column's 22 characters, and the next line starts with `on`.
    fixture = Path(__file__).parents[1] / "fixtures" / "denials" / "sam_events_table.txt"
    text = fixture.read_text()
    assert "dynamodb:DescribeTable \n" in text
    found = parse_denials(text)
    assert [(d.action, d.resource) for d in found] == [
        (
            "dynamodb:DescribeTable",
            "arn:aws:dynamodb:us-east-1:123456789012:table/autofix-sam-demo-VisitsTable-rdJcU1QbUvpG",
        )
    ]


def _sam_table(reason: str) -> str:
    """A failed resource in SAM CLI's event table: the reason wrapped to its 22-column cell
    with textwrap, as samcli/commands/_utils/table_print.py wraps it."""
    rule = "-" * 97
    header = "".join(c.ljust(25) for c in ("ResourceStatus", "ResourceType", "LogicalResourceId"))
    lines = [rule, (header + "ResourceStatusReason").ljust(97), rule]
    for i, piece in enumerate(textwrap.wrap(reason, 22)):
        left = "".join(c.ljust(25) for c in ("CREATE_FAILED", "AWS::IAM::Role", "Role"))
        lines.append(((left if i == 0 else " " * 75) + piece).ljust(97))
    return "\n".join([*lines, rule]) + "\n"


ACTIONS = (
    "iam:GetRolePolicy",
    "iam:AttachRolePolicy",
    "iam:PassRole",
    "iam:TagRole",
    "dynamodb:DescribeTable",
    "lambda:AddPermission",
)


@pytest.mark.parametrize("explicit", [False, True])
@pytest.mark.parametrize("stack", ["autofix-sam-demo", "my-service-prod"])
def test_every_reason_in_a_sam_table_cell_reads_back_exactly(stack: str, explicit: bool) -> None:
    # generated names: some make the ARN end exactly at the cell's edge (then `because`
    # or `with` follows), some cut it right before an upper-case letter
    rng = random.Random(stack)
    for action in ACTIONS:
        for logical in ("HelloFunctionRole", "VisitsTable", "Fn"):
            # a letter then a digit: textwrap does not break at the hyphen before it
            tail = rng.choice(string.ascii_letters) + rng.choice(string.digits)
            tail += "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(10))
            name = f"{stack}-{logical}-{tail}"
            resource = {
                "iam": f"arn:aws:iam::123456789012:role/{name}",
                "dynamodb": f"arn:aws:dynamodb:us-east-1:123456789012:table/{name}",
                "lambda": f"arn:aws:lambda:us-east-1:123456789012:function:{name}",
            }[action.split(":")[0]]
            why = (
                "with an explicit deny in an identity-based policy"
                if explicit
                else f"because no identity-based policy allows the {action} action"
            )
            reason = (
                'Resource handler returned message: "User: arn:aws:iam::123456789012:user/'
                f"autofix-sam-deployer is not authorized to perform: {action} on resource: "
                f"{resource} {why}"
                " (Service: Iam, Status Code: 403, Request ID: 5596eec3-97f8-4dd5-a43a-"
                '644463c626d8)" (RequestToken: 0f0a1da3-d5ec-4009-ac92-51cd22275d86, '
                "HandlerErrorCode: AccessDenied)"
            )
            found = parse_denials(_sam_table(reason))
            assert [(d.action, d.resource) for d in found] == [(action, resource)]
