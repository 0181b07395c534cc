"""Derive autofix/data/derived/cfn_generated_names.json from cfn-lint's provider schemas.

For every resource type whose template may leave its name out, keep the property
that names it, the longest name the service accepts, and whether the name is
lower case. CloudFormation builds such a name as `{stack}-{logical id}-{random}`,
truncated to that length (see autofix/policy/generated.py). A short override list,
each entry with its source, fills in limits the schemas do not state, and name
properties not called `<Type>Name`, `Name` or `<Type>Identifier` (a task definition's
`Family`). Types whose name the template must give (an event bus's required `Name`) are
listed apart, under `required`: never generated, but what `Ref` of one returns is that
name (autofix/predict/template.py).

Run: python scripts/derive_name_rules.py
"""

from __future__ import annotations

import json
import re
from importlib import metadata, resources
from pathlib import Path
from typing import Any

OUTPUT = (
    Path(__file__).resolve().parent.parent
    / "autofix"
    / "data"
    / "derived"
    / "cfn_generated_names.json"
)
REGION = "us-east-1"
# Limits the schemas leave out (the property has no maxLength and no {m,n} pattern).
OVERRIDES: dict[str, dict[str, Any]] = {
    # https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html
    # "A queue name can have up to 80 characters"
    "AWS::SQS::Queue": {"max_length": 80},
    # https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html
    # "This name must be unique per region per account, can have a maximum of 32 characters"
    "AWS::ElasticLoadBalancingV2::TargetGroup": {"max_length": 32},
    # https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html
    "AWS::ElasticLoadBalancingV2::LoadBalancer": {"max_length": 32},
    # https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html
    # "Table names ... must be between 3 and 255 characters long"
    "AWS::DynamoDB::Table": {"max_length": 255},
    # A name property the schema names otherwise (not <Type>Name, Name, <Type>Identifier).
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ecs-taskdefinition.html
    # "Family: The name of a family that this task definition is registered to. Up to 255
    # characters are allowed"; left out, CloudFormation generates it.
    "AWS::ECS::TaskDefinition": {"property": "Family", "max_length": 255},
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-layerversion.html
    # "LayerName: The name or Amazon Resource Name (ARN) of the layer", not required; left
    # out, the layer is named by the logical id (curated/cfn_physical_names.json).
    "AWS::Lambda::LayerVersion": {"property": "LayerName"},
    # A nested stack has no name property: CloudFormation names it as it names any resource
    # left unnamed, `{parent}-{logical id}-{random}` (a nested stack's ARN in the user guide's
    # nested stacks page), up to a stack name's 128 characters:
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html
    # `StackName` (not in the schema, never set) stands for it.
    "AWS::CloudFormation::Stack": {"property": "StackName", "max_length": 128},
}
_BOUND = re.compile(r"\{\d*,(\d+)\}")
_STORED_LOWER = re.compile(r"stored as (a )?lower-?case|converts it to lower-?case", re.IGNORECASE)


def _schemas() -> dict[str, dict[str, Any]]:
    base = resources.files("cfnlint") / "data" / "schemas"
    index = json.loads((base / "providers" / f"{REGION}.json").read_text())
    return {
        rtype: json.loads((base / "resources" / f"{name}.json").read_text())
        for rtype, name in index.items()
        if rtype.startswith("AWS::")
    }


def name_property(resource_type: str, schema: dict[str, Any]) -> str | None:
    """`BucketName` for AWS::S3::Bucket, `Name` for AWS::Events::Rule; None when required.

    A required name is never generated; a read-only one is not the template's to give.
    """
    found = _name_candidate(resource_type, schema)
    return None if found is None or found in schema.get("required", ()) else found


def required_name_property(resource_type: str, schema: dict[str, Any]) -> str | None:
    """`Name` for AWS::Events::EventBus: the name property the template must give."""
    found = _name_candidate(resource_type, schema)
    return found if found is not None and found in schema.get("required", ()) else None


def _name_candidate(resource_type: str, schema: dict[str, Any]) -> str | None:
    props = schema.get("properties", {})
    read_only = set(schema.get("readOnlyProperties", ()))
    last = resource_type.rsplit("::", 1)[-1]
    for candidate in (f"{last}Name", "Name", f"{last}Identifier"):
        spec = props.get(candidate)
        if f"/properties/{candidate}" in read_only:
            continue
        if spec is not None and spec.get("type", "string") == "string":
            return candidate
    return None


def _max_length(spec: dict[str, Any]) -> int | None:
    if isinstance(spec.get("maxLength"), int):
        return int(spec["maxLength"])
    bounds = [int(b) for b in _BOUND.findall(str(spec.get("pattern", "")))]
    return max(bounds) if bounds else None


def _lowercase(spec: dict[str, Any]) -> bool:
    """A lower-case pattern, or a description saying the service lower-cases the name (RDS:
    "This value is stored as a lowercase string" of a subnet group, "AWS CloudFormation
    converts it to lowercase" of a DB instance identifier: the generated
    `{stack}-{Logical}-{random}` is stored lowered, and later calls name it so)."""
    pattern = str(spec.get("pattern", ""))
    if "a-z" in pattern and "A-Z" not in pattern and "\\w" not in pattern:
        return True
    return bool(_STORED_LOWER.search(str(spec.get("description", ""))))


def derive() -> dict[str, Any]:
    types: dict[str, dict[str, Any]] = {}
    required: dict[str, str] = {}
    for rtype, schema in sorted(_schemas().items()):
        prop = name_property(rtype, schema) or OVERRIDES.get(rtype, {}).get("property")
        if prop is None:
            must = required_name_property(rtype, schema)
            if must is not None:
                required[rtype] = must
            continue
        spec = schema["properties"].get(prop, {})  # an override's may not be in it
        rule: dict[str, Any] = {"property": prop, "max_length": _max_length(spec)}
        if _lowercase(spec):
            rule["lowercase"] = True
        rule.update(OVERRIDES.get(rtype, {}))
        types[rtype] = rule
    return {
        "source": f"cfn-lint {metadata.version('cfn-lint')} provider schemas ({REGION})",
        "overrides": sorted(OVERRIDES),
        "types": types,
        "required": required,
    }


def main() -> None:
    OUTPUT.write_text(json.dumps(derive(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
