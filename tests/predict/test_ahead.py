"""Templates read before a step runs, for SAM and the AWS CLI (no AWS call, no tool run)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from autofix.config import Step
from autofix.policy.arn_formats import Place as ArnPlace
from autofix.predict import ahead, cdk, cfn_cli, sam
from autofix.predict.packaged import Packaged
from autofix.predict.predictor import FROM_TEMPLATE, Predictor, _safe
from autofix.predict.template import Place, generated_patterns
from autofix.records.events import GrantAdded
from autofix.step.runner import StepResult
from tests.conftest import REPO
from tests.loop.test_loop_unit import ACCOUNT, Need, rig

SAM_DEMO = REPO / "playground" / "sam-demo"
SAM_FILES = ("template.yaml", "samconfig.toml", "src")


def _sam_project(tmp_path: Path) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    for name in SAM_FILES:
        source = SAM_DEMO / name
        copy = shutil.copytree if source.is_dir() else shutil.copy
        copy(source, tmp_path / name)
    return tmp_path


def _no_tool(step: Step) -> StepResult:
    return StepResult(127, "", "not installed", 0.0)


@pytest.mark.parametrize(
    ("run", "family", "verb"),
    [
        ("sls deploy --stage dev", "serverless", "deploy"),
        (".venv-sam/bin/sam deploy --force-upload", "sam", "deploy"),
        ("sam delete --no-prompts", "sam", "delete"),
        ("X=1 npx cdk deploy --require-approval never", "cdk", "deploy"),
        ("cdk destroy --app cdk.out --force", "cdk", "destroy"),
        ("aws cloudformation deploy --template-file t.yaml --stack-name s", "awscli", "deploy"),
        ("aws cloudformation delete-stack --stack-name s", "awscli", "delete-stack"),
    ],
)
def test_the_step_command_names_its_tool_and_verb(run: str, family: str, verb: str) -> None:
    tool = ahead.tool_of(run)
    assert tool is not None and (tool.family, tool.verb) == (family, verb)


@pytest.mark.parametrize(
    "run",
    ["sam build", "sam sync --watch", "cdk synth", "aws s3 ls", "aws cloudformation list-stacks"],
)
def test_commands_that_deploy_no_stack_name_no_tool(run: str) -> None:
    assert ahead.tool_of(run) is None


def test_a_sam_template_is_expanded_with_the_commands_overrides(tmp_path: Path) -> None:
    project = _sam_project(tmp_path)
    run = "sam deploy --force-upload --parameter-overrides Greeting=hi MemorySize=256"
    packaged = sam.package(Step("deploy", run, project), ACCOUNT)
    assert packaged is not None
    assert (packaged.stack, packaged.tool, packaged.removes) == ("autofix-sam-demo", "sam", False)
    resources = packaged.template["Resources"]
    types = {body["Type"] for body in resources.values()}
    assert "AWS::Lambda::Function" in types and not any("Serverless" in t for t in types)
    function = next(b for b in resources.values() if b["Type"] == "AWS::Lambda::Function")
    assert function["Properties"]["Code"]["S3Key"].startswith("autofix-sam-demo/")  # s3_prefix
    assert packaged.template["Parameters"]["Greeting"]["Default"] == "hi"
    assert not (project / ".aws-sam").exists()  # nothing written beside the user's files


def test_sam_delete_takes_its_stack_from_the_deploy_settings(tmp_path: Path) -> None:
    packaged = sam.package(Step("delete", "sam delete --no-prompts", _sam_project(tmp_path)))
    assert packaged is not None and packaged.removes and packaged.stack == "autofix-sam-demo"


def test_a_sam_step_without_a_stack_name_is_not_read_ahead(tmp_path: Path) -> None:
    project = _sam_project(tmp_path)
    (project / "samconfig.toml").unlink()
    assert sam.package(Step("deploy", "sam deploy", project)) is None
    named = sam.package(Step("deploy", "sam deploy --stack-name other", project))
    assert named is not None and named.stack == "other"


def test_aws_cloudformation_deploy_reads_its_template_file(tmp_path: Path) -> None:
    template = {
        "Parameters": {"Size": {"Type": "Number", "Default": 1}},
        "Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {}}},
    }
    (tmp_path / "t.json").write_text(json.dumps(template))
    run = "aws cloudformation deploy --template-file t.json --stack-name q"
    run += " --parameter-overrides Size=3"
    packaged = cfn_cli.package(Step("deploy", run, tmp_path))
    assert packaged is not None and packaged.stack == "q"
    assert packaged.template["Parameters"]["Size"]["Default"] == "3"
    body = "aws cloudformation create-stack --stack-name q --template-body file://t.json"
    assert cfn_cli.package(Step("create", body, tmp_path)) is not None
    gone = cfn_cli.package(
        Step("delete", "aws cloudformation delete-stack --stack-name q", tmp_path)
    )
    assert gone is not None and gone.removes and gone.template == {}


def test_escalation_is_predicted_only_on_a_generated_names_tail() -> None:
    template = {"Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": {}}}}
    names = generated_patterns(template, Place("app", ArnPlace(ACCOUNT, "us-east-1")))
    role = f"arn:aws:iam::{ACCOUNT}:role/app-Role-*"
    assert names == {"app-Role-*"}
    assert _safe("iam:PassRole", role, names)
    assert not _safe("iam:PassRole", role, ())  # not a name this stack generates
    assert not _safe("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/*", names)
    assert not _safe("iam:PassRole", "*", names)
    assert _safe("lambda:GetFunction", "*", ())
    # a nested stack: its generated name, then the stack id AWS assigns
    nested = f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/app-Network-*/*"
    assert _safe("cloudformation:CreateStack", nested, {"app-Network-*"})
    assert not _safe("cloudformation:CreateStack", nested, names)
    wide = f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/*/*"
    assert not _safe("cloudformation:CreateStack", wide, {"app-Network-*"})


def test_a_sam_deploy_is_predicted_before_its_first_attempt(tmp_path: Path) -> None:
    project = _sam_project(tmp_path / "project")
    role = f"arn:aws:iam::{ACCOUNT}:role/autofix-sam-demo-HelloFunctionRole-"
    function = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:autofix-sam-demo-HelloFunction-"
    needs = {
        "deploy": [
            Need("iam:CreateRole", role + "abcdEFGH1234"),
            Need("iam:PassRole", role + "abcdEFGH1234"),
            Need("lambda:CreateFunction", function + "xyzXYZ123456"),
        ]
    }
    r = rig(tmp_path / "out", needs)
    r.loop.planner = Predictor(_no_tool, ACCOUNT, "us-east-1")  # type: ignore[assignment]
    r.loop.steps = (Step("deploy", "sam deploy", project),)
    outcome = r.loop.run()
    assert outcome.ok and outcome.attempts_total == 1
    predicted = {
        (g.action, g.resource)
        for g in r.seen
        if isinstance(g, GrantAdded) and g.source == FROM_TEMPLATE and g.phase == "predict"
    }
    assert ("iam:PassRole", role + "*") in predicted  # escalation, on the generated tail only
    assert ("lambda:CreateFunction", function + "*") in predicted
    transform = "arn:aws:cloudformation:us-east-1:aws:transform/Serverless-2016-10-31"
    assert ("cloudformation:CreateChangeSet", transform) in predicted


def test_a_code_uri_in_globals_is_an_uploaded_object_too(tmp_path: Path) -> None:
    project = _sam_project(tmp_path)
    template = (project / "template.yaml").read_text()
    template = template.replace("      CodeUri: src/\n", "").replace(
        "    Timeout: 10\n", "    Timeout: 10\n    CodeUri: src/\n"
    )
    (project / "template.yaml").write_text(template)
    packaged = sam.package(Step("deploy", "sam deploy", project))
    assert packaged is not None
    assert any(
        b["Type"] == "AWS::Lambda::Function" for b in packaged.template["Resources"].values()
    )


def test_resolve_s3_uploads_to_the_managed_bucket(tmp_path: Path) -> None:
    """With `resolve_s3` the code goes to the bucket of SAM's managed stack, whose name
    CloudFormation generates: that bucket, not the prefix in any bucket (`*/<prefix>/*`)."""
    project = _sam_project(tmp_path)
    settings = (project / "samconfig.toml").read_text()
    assert "resolve_s3 = true" in settings
    managed = "aws-sam-cli-managed-default-samclisourcebucket-*"
    assert _code_bucket(Step("deploy", "sam deploy", project)) == managed
    (project / "samconfig.toml").write_text(settings.replace("resolve_s3 = true", ""))
    assert _code_bucket(Step("deploy", "sam deploy", project)) == "*"  # not known ahead
    assert _code_bucket(Step("deploy", "sam deploy --resolve-s3", project)) == managed


def _code_bucket(step: Step) -> str:
    packaged = sam.package(step)
    assert packaged is not None
    resources = packaged.template["Resources"].values()
    function = next(b for b in resources if b["Type"] == "AWS::Lambda::Function")
    return str(function["Properties"]["Code"]["S3Bucket"])


def _assembly(directory: Path, stacks: tuple[str, ...]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    artifacts: dict[str, object] = {"Tree": {"type": "cdk:tree"}}
    role = "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/exec-${AWS::Region}"
    for name in stacks:
        (directory / f"{name}.template.json").write_text(json.dumps(TEMPLATE_Q))
        artifacts[name] = {
            "type": "aws:cloudformation:stack",
            "environment": "aws://unknown-account/unknown-region",
            "properties": {
                "templateFile": f"{name}.template.json",
                "cloudFormationExecutionRoleArn": role,
            },
        }
    (directory / "manifest.json").write_text(json.dumps({"artifacts": artifacts}))


TEMPLATE_Q = {"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {}}}}


def test_cdk_synthesises_into_a_temporary_directory_and_reads_every_stack(
    tmp_path: Path,
) -> None:
    commands: list[str] = []

    def synth(step: Step) -> StepResult:
        commands.append(step.run)
        words = step.run.split()
        _assembly(Path(words[words.index("--output") + 1]), ("a-dev", "b-dev"))
        return StepResult(0, "", "", 0.0)

    run = "X=1 cdk deploy --require-approval never -c stage=dev"
    packaged = cdk.package(Step("deploy", run, tmp_path), synth)
    assert [p.stack for p in packaged] == ["a-dev", "b-dev"]
    assert commands[0].startswith("X=1 cdk synth -c stage=dev --output ")
    assert not (tmp_path / "cdk.out").exists()  # the user's assembly is not written
    assert packaged[0].role is not None and "${AWS::Region}" in packaged[0].role
    named = cdk.package(Step("deploy", "cdk deploy b-dev --force", tmp_path), synth)
    assert [p.stack for p in named] == ["b-dev"]


def test_cdk_destroy_reads_the_assembly_it_is_given(tmp_path: Path) -> None:
    _assembly(tmp_path / "cdk.out", ("a-dev",))
    packaged = cdk.package(Step("destroy", "cdk destroy --app cdk.out --force", tmp_path), _no_tool)
    assert [(p.stack, p.removes) for p in packaged] == [("a-dev", True)]


def test_a_cdk_nested_stack_is_read_and_deployed_with_its_parents_role(tmp_path: Path) -> None:
    """A NestedStack's template (`aws:asset:path` of its AWS::CloudFormation::Stack) is read
    as a stack named as CloudFormation names it, acted on with the parent's execution role,
    and its resources are predicted under that name (cdk-static-site: 12 attempts before)."""
    _assembly(tmp_path / "cdk.out", ("site-dev",))
    parent = {
        "Resources": {
            "LogsNestedStackResource": {
                "Type": "AWS::CloudFormation::Stack",
                "Properties": {"TemplateURL": "https://s3.amazonaws.com/b/x.json"},
                "Metadata": {"aws:asset:path": "siteLogs.nested.template.json"},
            }
        }
    }
    (tmp_path / "cdk.out" / "site-dev.template.json").write_text(json.dumps(parent))
    child = {"Resources": {"AccessLogs": {"Type": "AWS::S3::Bucket", "Properties": {}}}}
    (tmp_path / "cdk.out" / "siteLogs.nested.template.json").write_text(json.dumps(child))
    step = Step("deploy", "cdk deploy --app cdk.out", tmp_path)
    packaged = cdk.package(step, _no_tool)
    assert [p.stack for p in packaged] == ["site-dev", "site-dev-LogsNestedStackResource-*"]
    assert packaged[1].role == packaged[0].role is not None
    assert packaged[1].template == child
    predictor = Predictor(_no_tool, ACCOUNT, "eu-west-1")
    denials = predictor._stack_denials(step, packaged[1])
    created = {d.resource for d in denials if d.action == "s3:CreateBucket"}
    assert created == {"arn:aws:s3:::site-dev-logsnestedstackresource-*-accesslogs-*"}
    assert {d.principal for d in denials} == {predictor._acting(packaged[0])}
    # the parent's CreateStack of it: the generated name, then the id AWS assigns
    parents = predictor._stack_denials(step, packaged[0])
    stack = f"arn:aws:cloudformation:eu-west-1:{ACCOUNT}:stack/site-dev-LogsNestedStackResource-*/*"
    assert ("cloudformation:CreateStack", stack) in {(d.action, d.resource) for d in parents}


def test_a_cdk_stack_is_predicted_for_its_execution_role() -> None:
    predictor = Predictor(_no_tool, ACCOUNT, "eu-west-1")
    role = "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/exec-${AWS::Region}"
    packaged = Packaged("deploy", TEMPLATE_Q, "a", "", None, "a", "cdk", role=role)
    assert predictor._acting(packaged) == (
        f"arn:aws:sts::{ACCOUNT}:assumed-role/exec-eu-west-1/AWSCloudFormation"
    )


def test_a_role_the_command_line_passes_is_the_deployers_pass_to_cloudformation(
    tmp_path: Path,
) -> None:
    project = _sam_project(tmp_path)
    role = f"arn:aws:iam::{ACCOUNT}:role/sam-exec"
    packaged = sam.package(Step("deploy", f"sam deploy --role-arn {role}", project), ACCOUNT)
    assert packaged is not None and (packaged.role, packaged.passes_role) == (role, True)
    predictor = Predictor(_no_tool, ACCOUNT, "eu-west-1")
    [passed] = predictor._role_passed(packaged, "eu-west-1")
    assert (passed.action, passed.resource, passed.principal) == ("iam:PassRole", role, None)
    assert passed.passed_to == "cloudformation.amazonaws.com"
    # CDK's execution role is passed by its deploy role, not by the deployer
    cdk_stack = Packaged("deploy", TEMPLATE_Q, "a", "", None, "a", "cdk", role=role)
    assert predictor._role_passed(cdk_stack, "eu-west-1") == []
    plain = sam.package(Step("deploy", "sam deploy", project), ACCOUNT)
    assert plain is not None and plain.role is None and not plain.passes_role


def test_a_template_the_step_packages_first_is_read_from_its_source(tmp_path: Path) -> None:
    template = {"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {}}}}
    (tmp_path / "template.json").write_text(json.dumps(template))
    run = (
        "BUCKET=art-$(aws sts get-caller-identity --query Account --output text)\n"
        "aws cloudformation package --template-file template.json --s3-bucket $BUCKET"
        " --output-template-file build/packaged.json\n"
        "aws cloudformation deploy --stack-name q --template-file ./build/packaged.json"
    )
    packaged = cfn_cli.package(Step("deploy", run, tmp_path))  # packaged.json: not yet written
    assert packaged is not None and packaged.stack == "q"
    assert packaged.template["Resources"] == template["Resources"]
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "packaged.json").write_text(json.dumps({"Resources": {}}))  # stale
    again = cfn_cli.package(Step("deploy", run, tmp_path))
    assert again is not None and again.template["Resources"] == template["Resources"]
    elsewhere = run.replace("--template-file ./build/packaged.json", "--template-file other.json")
    assert cfn_cli.package(Step("deploy", elsewhere, tmp_path)) is None  # no such file


def test_a_nested_stack_the_step_packages_is_predicted_from_its_file(tmp_path: Path) -> None:
    child = {
        "Parameters": {"Cidr": {"Type": "String", "Default": "10.0.0.0/16"}},
        "Resources": {
            "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": {"Ref": "Cidr"}}}
        },
    }
    net = {"TemplateURL": "nested/net.json", "Parameters": {"Cidr": "10.9.0.0/16"}}
    parent = {
        "Resources": {
            "Net": {"Type": "AWS::CloudFormation::Stack", "Properties": net},
            "Q": {"Type": "AWS::SQS::Queue", "Properties": {}},
        }
    }
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "net.json").write_text(json.dumps(child))
    (tmp_path / "template.json").write_text(json.dumps(parent))
    run = (
        "aws cloudformation package --template-file template.json --s3-bucket b"
        " --output-template-file out.json && "
        "aws cloudformation deploy --stack-name app --template-file out.json"
    )
    stacks = ahead.prepare(Step("deploy", run, tmp_path), _no_tool, ACCOUNT)
    assert [s.stack for s in stacks] == ["app", "app-Net-*"]
    assert list(stacks[1].template["Resources"]) == ["Vpc"]
    assert stacks[1].template["Parameters"]["Cidr"]["Default"] == "10.9.0.0/16"
    uploaded = {"TemplateURL": "https://s3.amazonaws.com/b/net.json"}
    parent["Resources"]["Net"]["Properties"] = uploaded
    (tmp_path / "template.json").write_text(json.dumps(parent))
    stacks = ahead.prepare(Step("deploy", run, tmp_path), _no_tool, ACCOUNT)
    assert [s.stack for s in stacks] == ["app"]  # a URL: already uploaded, not read
