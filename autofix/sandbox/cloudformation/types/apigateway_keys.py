"""API Gateway's API keys, usage plans and usage plan keys in a stack, held by moto's backend.

moto 5.2.5's API Gateway backend has these (CreateApiKey, CreateUsagePlan,
CreateUsagePlanKey) but its CloudFormation has no model of them, so a stack made stand-ins:
ids the service never heard of. A tool reading a key back by the id its stack names failed
where AWS answers: the Serverless Framework's deploy ends with `GetApiKey` (`includeValue`)
of each `AWS::ApiGateway::ApiKey` its stack lists (osls 4.3.1,
`lib/plugins/aws/info/get-api-key-values.js`), and got "Invalid API Key identifier
specified". Each is now made in the backend, as CloudFormation's handler calls the service.

Ref of a usage plan key is `<key id>:<usage plan id>` (the CloudFormation template
reference, AWS::ApiGateway::UsagePlanKey, "Return values").
"""

from __future__ import annotations

import contextlib
from typing import Any, ClassVar, Self

from moto.apigateway.exceptions import ApiKeyNotFoundException, UsagePlanNotFoundException
from moto.apigateway.models import apigateway_backends
from moto.core.common_models import CloudFormationModel

from autofix.sandbox.cloudformation.types.stack_model import StackModel


def _backend(account_id: str, region_name: str) -> Any:
    return apigateway_backends[account_id][region_name]


def _camel(value: Any) -> Any:
    """A CloudFormation property value in the API's spelling (`BurstLimit` -> `burstLimit`)."""
    if isinstance(value, dict):
        return {k[:1].lower() + k[1:]: _camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value


def _tags(props: dict[str, Any]) -> dict[str, str] | None:
    tags = {t["Key"]: t["Value"] for t in props.get("Tags") or []}
    return tags or None


class _Identified(StackModel):
    """A resource whose Ref and one attribute (`attribute`) are the id the service gave it
    (each model subclasses CloudFormationModel itself: moto finds its direct subclasses)."""

    attribute: ClassVar[str] = "Id"

    def __init__(self, ident: str) -> None:
        self.ident = ident

    @property
    def physical_resource_id(self) -> str:
        return self.ident

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == cls.attribute

    def get_cfn_attribute(self, attribute_name: str) -> str:
        return self.ident


class StackApiKey(_Identified, CloudFormationModel):
    """AWS::ApiGateway::ApiKey: Ref is the key's id (`APIKeyId`)."""

    resource_type = "AWS::ApiGateway::ApiKey"
    name_property = "Name"
    attribute = "APIKeyId"

    @classmethod
    def made(cls, name: str, props: dict[str, Any], account_id: str, region_name: str) -> Self:
        payload: dict[str, Any] = {
            "name": props.get("Name") or name,
            "description": props.get("Description"),
            "enabled": str(props.get("Enabled", False)).lower() == "true",
            "value": props.get("Value"),
            "stageKeys": _camel(props.get("StageKeys")),
            "customerId": props.get("CustomerId"),
            "tags": _tags(props),
        }
        key = _backend(account_id, region_name).create_api_key(payload)
        return cls(key.id)

    @classmethod
    def updated(
        cls, original: Self, name: str, props: dict[str, Any], account_id: str, region_name: str
    ) -> Self:
        """Name, description, enablement and customer change in place (a PATCH); the rest
        (`Value`, `GenerateDistinctId`) replaces the key, as the reference says."""
        key = _backend(account_id, region_name).keys.get(original.ident)
        if key is None or props.get("Value") not in (None, key.value):
            original.delete(account_id, region_name)
            return cls.made(name, props, account_id, region_name)
        key.name = props.get("Name") or key.name
        key.description = props.get("Description")
        key.enabled = str(props.get("Enabled", False)).lower() == "true"
        key.customer_id = props.get("CustomerId")
        return original

    def delete(self, account_id: str, region_name: str) -> None:
        with contextlib.suppress(ApiKeyNotFoundException):
            _backend(account_id, region_name).delete_api_key(self.ident)


class StackUsagePlan(_Identified, CloudFormationModel):
    """AWS::ApiGateway::UsagePlan: Ref is the plan's id."""

    resource_type = "AWS::ApiGateway::UsagePlan"
    name_property = "UsagePlanName"

    @staticmethod
    def _payload(name: str, props: dict[str, Any]) -> dict[str, Any]:
        return {
            "name": props.get("UsagePlanName") or name,
            "description": props.get("Description"),
            "apiStages": _camel(props.get("ApiStages")),
            "throttle": _camel(props.get("Throttle")),
            "quota": _camel(props.get("Quota")),
            "tags": _tags(props),
        }

    @classmethod
    def made(cls, name: str, props: dict[str, Any], account_id: str, region_name: str) -> Self:
        plan = _backend(account_id, region_name).create_usage_plan(cls._payload(name, props))
        return cls(plan.id)

    @classmethod
    def updated(
        cls, original: Self, name: str, props: dict[str, Any], account_id: str, region_name: str
    ) -> Self:
        """Every property of a usage plan is updated in place (a PATCH of the plan)."""
        plan = _backend(account_id, region_name).usage_plans.get(original.ident)
        if plan is None:
            return cls.made(name, props, account_id, region_name)
        payload = cls._payload(name, props)
        plan.name, plan.description = payload["name"], payload["description"]
        plan.api_stages = payload["apiStages"] or []
        plan.throttle, plan.quota = payload["throttle"] or {}, payload["quota"] or {}
        return original

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _backend(account_id, region_name)
        with contextlib.suppress(UsagePlanNotFoundException, KeyError):
            backend.delete_usage_plan(self.ident)
        backend.usage_plan_keys.pop(self.ident, None)


class StackUsagePlanKey(_Identified, CloudFormationModel):
    """AWS::ApiGateway::UsagePlanKey: a key in a plan; Ref is `<key id>:<plan id>`."""

    resource_type = "AWS::ApiGateway::UsagePlanKey"

    def __init__(self, key_id: str, plan_id: str) -> None:
        super().__init__(f"{key_id}:{plan_id}")
        self.key_id = key_id
        self.plan_id = plan_id

    @classmethod
    def made(cls, name: str, props: dict[str, Any], account_id: str, region_name: str) -> Self:
        key_id, plan_id = str(props["KeyId"]), str(props["UsagePlanId"])
        payload = {"keyId": key_id, "keyType": props.get("KeyType", "API_KEY")}
        _backend(account_id, region_name).create_usage_plan_key(plan_id, payload)
        return cls(key_id, plan_id)

    def delete(self, account_id: str, region_name: str) -> None:
        keys = _backend(account_id, region_name).usage_plan_keys.get(self.plan_id, {})
        keys.pop(self.key_id, None)


MODELS: tuple[type[StackModel], ...] = (StackApiKey, StackUsagePlan, StackUsagePlanKey)
