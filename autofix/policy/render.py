"""Ready-to-paste renderings of a policy, optionally portable across accounts and regions."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, Literal

from autofix.policy.arns import Arn
from autofix.policy.document import Grant, PolicyDocument

Style = Literal["cloudformation", "terraform", "plain"]
STYLES: tuple[Style, ...] = ("cloudformation", "terraform", "plain")
Format = Literal[
    "json", "cloudformation", "cloudformation-json", "terraform", "serverless", "cdk-bootstrap"
]
FORMATS: tuple[Format, ...] = (
    "json",
    "cloudformation",
    "cloudformation-json",
    "terraform",
    "serverless",
    "cdk-bootstrap",
)
PLACEHOLDERS: dict[Style, tuple[str, str]] = {
    "cloudformation": ("${AWS::AccountId}", "${AWS::Region}"),
    "terraform": (
        "${data.aws_caller_identity.current.account_id}",
        "${data.aws_region.current.name}",
    ),
    "plain": ("<account_no>", "<region>"),
}
_SEPARATORS = "-_/.:"


def portable(doc: PolicyDocument, account_id: str, region: str, style: Style) -> PolicyDocument:
    """The policy with the account id and region written as placeholders of `style`.

    Only ARN fields are replaced (the account and region fields, and the region where it
    appears as a whole token in a name such as `svc-dev-us-east-1-lambdaRole`).
    """
    account_text, region_text = PLACEHOLDERS[style]

    def one(text: str) -> str:
        arn = Arn.parse(text)
        if arn is None:
            return text
        seps = re.escape(_SEPARATORS)
        name = re.sub(rf"(?<![^{seps}]){re.escape(region)}(?![^{seps}])", region_text, arn.resource)
        return str(
            Arn(
                arn.partition,
                arn.service,
                region_text if arn.region == region else arn.region,
                account_text if arn.account == account_id else arn.account,
                name,
            )
        )

    grants = tuple(Grant(g.action, one(g.resource), g.condition) for g in doc.grants)
    verbatim = tuple(_map_strings(s, one) for s in doc.verbatim)
    return PolicyDocument(grants, verbatim)


def _map_strings(value: Any, change: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list):
        return [_map_strings(v, change) for v in value]
    if isinstance(value, dict):
        return {k: _map_strings(v, change) for k, v in value.items()}
    return value


def render(doc: PolicyDocument, fmt: Format) -> str:
    """The policy in format `fmt` (see FORMATS) with default names."""
    renderers: dict[str, Callable[[PolicyDocument], str]] = {
        "json": render_json,
        "cloudformation": render_cloudformation,
        "cloudformation-json": lambda d: render_cloudformation(d, as_json=True),
        "terraform": render_terraform,
        "serverless": render_serverless,
        "cdk-bootstrap": render_cdk_bootstrap,
    }
    if fmt not in renderers:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return renderers[fmt](doc)


def render_json(doc: PolicyDocument) -> str:
    return doc.dumps()


# -- CloudFormation -------------------------------------------------------------------


def render_cloudformation(
    doc: PolicyDocument,
    logical_id: str = "AutofixDeployPolicy",
    policy_name: str = "",
    *,
    as_json: bool = False,
) -> str:
    """A template with one `AWS::IAM::ManagedPolicy`; `${AWS::...}` strings use Fn::Sub."""
    properties: dict[str, Any] = {"PolicyDocument": doc.to_json()}
    if policy_name:
        properties["ManagedPolicyName"] = policy_name
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "Deploy policy discovered by autofix",
        "Resources": {logical_id: {"Type": "AWS::IAM::ManagedPolicy", "Properties": properties}},
        "Outputs": {"PolicyArn": {"Value": {"Ref": logical_id}}},
    }
    if as_json:
        return json.dumps(_map_strings_sub(template), indent=2) + "\n"
    return "\n".join(_yaml(template, 0)) + "\n"


def _needs_sub(text: str) -> bool:
    return "${AWS::" in text


def _sub_text(text: str) -> str:
    """Escape IAM policy variables (`${aws:username}`) so Fn::Sub leaves them alone."""
    return re.sub(r"\$\{(?!AWS::)", "${!", text)


def _map_strings_sub(value: Any) -> Any:
    if isinstance(value, str) and _needs_sub(value):
        return {"Fn::Sub": _sub_text(value)}
    if isinstance(value, list):
        return [_map_strings_sub(v) for v in value]
    if isinstance(value, dict):
        return {k: _map_strings_sub(v) for k, v in value.items()}
    return value


def _yaml_scalar(value: Any) -> str:
    if isinstance(value, str) and _needs_sub(value):
        return "!Sub " + json.dumps(_sub_text(value))
    return json.dumps(value)  # a JSON scalar is a valid YAML flow scalar


def _yaml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_]+", key) else json.dumps(key)


def _yaml(value: Any, indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                lines.append(f"{pad}{_yaml_key(key)}:")
                lines.extend(_yaml(item, indent + 2))
            else:
                lines.append(f"{pad}{_yaml_key(key)}: {_yaml_scalar(item) if item != {} else '{}'}")
    else:
        for item in value:
            if isinstance(item, dict | list) and item:
                nested = _yaml(item, indent + 2)
                lines.append(f"{pad}- {nested[0].lstrip()}")
                lines.extend(nested[1:])
            else:
                lines.append(f"{pad}- {_yaml_scalar(item)}")
    return lines


# -- Terraform ------------------------------------------------------------------------


def render_terraform(doc: PolicyDocument, name: str = "autofix_deploy") -> str:
    """A `data "aws_iam_policy_document"` and the `aws_iam_policy` made from it."""
    data = doc.to_json()
    blocks: list[str] = []
    text = json.dumps(data)
    if "data.aws_caller_identity.current" in text:
        blocks.append('data "aws_caller_identity" "current" {}\n')
    if "data.aws_region.current" in text:
        blocks.append('data "aws_region" "current" {}\n')
    body = [f'data "aws_iam_policy_document" "{name}" {{']
    for statement in data["Statement"]:
        body.append("  statement {")
        for key, attribute in (
            ("Sid", "sid"),
            ("Effect", "effect"),
            ("Action", "actions"),
            ("NotAction", "not_actions"),
            ("Resource", "resources"),
            ("NotResource", "not_resources"),
        ):
            if key not in statement:
                continue
            value = statement[key]
            if attribute.endswith("s"):
                items = [value] if isinstance(value, str) else value
                body.append(f"    {attribute} = [{', '.join(_hcl_string(v) for v in items)}]")
            else:
                body.append(f"    {attribute} = {_hcl_string(value)}")
        for operator, pairs in statement.get("Condition", {}).items():
            for variable, values in pairs.items():
                items = [values] if not isinstance(values, list) else values
                body.append("    condition {")
                body.append(f"      test     = {_hcl_string(operator)}")
                body.append(f"      variable = {_hcl_string(variable)}")
                rendered = ", ".join(_hcl_string(str(v)) for v in items)
                body.append(f"      values   = [{rendered}]")
                body.append("    }")
        body.append("  }")
    body.append("}")
    blocks.append("\n".join(body) + "\n")
    blocks.append(
        f'resource "aws_iam_policy" "{name}" {{\n'
        f'  name   = "{name.replace("_", "-")}"\n'
        f"  policy = data.aws_iam_policy_document.{name}.json\n"
        "}\n"
    )
    return "\n".join(blocks)


def _hcl_string(text: str) -> str:
    """A quoted HCL string; only our `${data.aws_...}` placeholders stay interpolations."""
    escaped = json.dumps(text, ensure_ascii=False)
    escaped = re.sub(r"\$\{(?!data\.aws_)", "$${", escaped)
    return escaped.replace("%{", "%%{")


# -- Serverless Framework -------------------------------------------------------------


def render_serverless(
    doc: PolicyDocument, role_name: str = "autofix-cfn-deploy", policy_name: str = ""
) -> str:
    """A `provider.iam.deploymentRole` hint: CloudFormation deploys with a role holding it."""
    role = f"arn:aws:iam::${{aws:accountId}}:role/{role_name}"
    statements = doc.to_json()["Statement"]
    lines = [
        "# serverless.yml: let CloudFormation deploy with a role that holds the",
        f"# discovered policy ({len(statements)} statements); the CI user then needs only",
        "# what the CLI calls itself (artifact uploads, stack calls) and iam:PassRole on it.",
        "provider:",
        "  iam:",
        f"    deploymentRole: {role}",
        "#",
        f"# Create the role once (trust: cloudformation.amazonaws.com) and attach "
        f"{policy_name or 'the policy'}:",
        f"#   aws iam create-role --role-name {role_name} --assume-role-policy-document "
        '\'{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
        '"Principal":{"Service":"cloudformation.amazonaws.com"},'
        '"Action":"sts:AssumeRole"}]}\'',
        f"#   aws iam put-role-policy --role-name {role_name} --policy-name autofix-deploy "
        "--policy-document file://policy.json",
    ]
    return "\n".join(lines) + "\n"


# -- AWS CDK --------------------------------------------------------------------------


def render_cdk_bootstrap(doc: PolicyDocument, policy_name: str = "autofix-cdk-exec") -> str:
    """A shell script: the policy as a customer managed policy, then `cdk bootstrap` giving
    the CloudFormation execution role that policy instead of AdministratorAccess."""
    statements = doc.to_json()["Statement"]
    account = "$(aws sts get-caller-identity --query Account --output text)"
    return (
        "\n".join(
            [
                "#!/bin/sh",
                "# The CDK CloudFormation execution role's policy, as autofix found it "
                f"({len(statements)} statements):",
                "# created once as a managed policy, then given to `cdk bootstrap` in place of",
                "# AdministratorAccess. Run it as an administrator of the target account.",
                "set -e",
                "cat > cdk-exec-policy.json <<'POLICY'",
                doc.dumps().rstrip("\n"),
                "POLICY",
                f"aws iam create-policy --policy-name {policy_name} "
                "--policy-document file://cdk-exec-policy.json",
                'cdk bootstrap --cloudformation-execution-policies "arn:aws:iam::'
                f'{account}:policy/{policy_name}"',
            ]
        )
        + "\n"
    )


def fill_placeholders(text: str, account_id: str, region: str) -> str:
    """The inverse of `portable`: every style's placeholders replaced by real values."""
    for account_text, region_text in PLACEHOLDERS.values():
        text = text.replace(account_text, account_id).replace(region_text, region)
    return text
