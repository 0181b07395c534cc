"""A TemplateURL on the sandbox's own endpoint, read with the caller's access (as SAM and CDK
upload their templates: http://127.0.0.1:PORT/BUCKET/KEY)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import botocore.exceptions
import pytest

from autofix.sandbox.cloudformation.template_url import bucket_and_key
from autofix.testing import IamSandbox

TEMPLATE = json.dumps({"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}})
NO_ACCESS = "TemplateURL must reference a valid S3 object to which you have access."


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:4566/cdk-assets/a/b.json", ("cdk-assets", "a/b.json")),
        ("http://localhost:5000/bucket/key.yaml", ("bucket", "key.yaml")),
        ("https://s3.eu-west-1.amazonaws.com/bucket/dir/t.json", ("bucket", "dir/t.json")),
        ("https://my.bucket.s3.amazonaws.com/t.json", ("my.bucket", "t.json")),
        ("https://bucket.s3.us-east-2.amazonaws.com/a%20b.json", ("bucket", "a b.json")),
    ],
)
def test_urls_are_read_in_every_s3_style(url: str, expected: tuple[str, str]) -> None:
    assert bucket_and_key(url) == expected


def _upload(operator_client: Callable[[str], Any], bucket: str) -> None:
    s3 = operator_client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="templates/stack.json", Body=TEMPLATE.encode())


def test_a_template_on_the_sandbox_endpoint_needs_get_object_on_it(
    iam_sandbox: IamSandbox,
    operator_client: Callable[[str], Any],
    make_user: Callable[[list[dict[str, Any]] | None], tuple[str, Callable[[str], Any]]],
) -> None:
    _upload(operator_client, "template-url-bucket")
    url = f"{iam_sandbox.endpoint_url}/template-url-bucket/templates/stack.json"
    assert url.startswith("http://127.0.0.1:")
    cfn_only = [{"Effect": "Allow", "Action": "cloudformation:*", "Resource": "*"}]
    arn, client = make_user(cfn_only)
    with pytest.raises(botocore.exceptions.ClientError) as denied:
        client("cloudformation").create_change_set(
            StackName="template-url", ChangeSetName="c1", ChangeSetType="CREATE", TemplateURL=url
        )
    assert denied.value.response["Error"]["Code"] == "ValidationError"
    assert denied.value.response["Error"]["Message"] == NO_ACCESS
    logged = [d for d in iam_sandbox.denials(arn) if d.action == "s3:GetObject"]
    assert [d.resource for d in logged] == ["arn:aws:s3:::template-url-bucket/templates/stack.json"]

    get_it = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::template-url-bucket/templates/*",
    }
    _, allowed = make_user([*cfn_only, get_it])
    cfn = allowed("cloudformation")
    cfn.create_change_set(
        StackName="template-url", ChangeSetName="c1", ChangeSetType="CREATE", TemplateURL=url
    )
    changes = cfn.describe_change_set(StackName="template-url", ChangeSetName="c1")["Changes"]
    assert [c["ResourceChange"]["ResourceType"] for c in changes] == ["AWS::SQS::Queue"]
    cfn.delete_stack(StackName="template-url")


def test_a_missing_template_is_named_as_aws_names_it(
    iam_sandbox: IamSandbox, operator_client: Callable[[str], Any]
) -> None:
    cfn = operator_client("cloudformation")
    with pytest.raises(botocore.exceptions.ClientError) as missing:
        cfn.validate_template(TemplateURL=f"{iam_sandbox.endpoint_url}/no-such-bucket/t.json")
    assert missing.value.response["Error"]["Message"] == NO_ACCESS
