"""API operation -> IAM action(s), from botocore's service models plus a table of mismatches.

Most operations need the IAM action of the same name. The exceptions that matter for
deployments are listed in `MISMATCHES` (DESIGN.md); API Gateway REST operations are
authorised as `apigateway:<HTTP verb>` on the request URI, which botocore's model holds.
The operation index (operation name -> services) is built from every botocore model once
and cached on disk per botocore version, because loading all models takes seconds.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import botocore

from autofix import data
from autofix.data.botocore_models import data_session
from autofix.denials.actions import ActionName, canonical, service_known

# IAM prefix -> {operation: action(s)} where the action is not named like the operation.
# (shared with the sandbox: autofix.sandbox.fidelity.actions)
MISMATCHES: dict[str, dict[str, tuple[str, ...]]] = {
    prefix: {operation: tuple(actions) for operation, actions in table.items()}
    for prefix, table in data.load("curated", "operation_actions.json")["operations"].items()
}

# When an operation name exists in several services and the text gives no hint.
PREFERRED_SERVICES: tuple[str, ...] = (
    "s3",
    "cloudformation",
    "lambda",
    "iam",
    "sts",
    "ec2",
    "logs",
    "apigateway",
    "dynamodb",
    "sqs",
    "sns",
    "events",
    "ssm",
    "kms",
    "cloudwatch",
    "ecr",
    "ecs",
    "secretsmanager",
    "cloudfront",
    "route53",
    "acm",
    "stepfunctions",
    "rds",
    "elbv2",
    "autoscaling",
    "cognito-idp",
    "kinesis",
    "firehose",
    "sesv2",
    "ses",
)

_LAMBDA_DATE_SUFFIX = re.compile(r"^(\w+?)20\d{6}(?:v\d+)?$")
_URI_PLACEHOLDER = re.compile(r"\{[^}]*\}")


@dataclass(frozen=True)
class Resolution:
    """What one operation call needs: its botocore name, IAM action(s), maybe a resource."""

    operation: str
    actions: tuple[ActionName, ...]
    resource: str | None = None


@dataclass(frozen=True)
class _Index:
    operations: dict[str, list[tuple[str, str]]]  # lower op -> [(service, OpName)]
    services: dict[str, tuple[str, str]]  # service -> (iam prefix, service id)
    aliases: dict[str, str]  # normalised hint -> service


def _cache_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "autofix" / f"botocore-operations-{botocore.__version__}.json"


def _iam_prefix(meta: dict[str, Any], name: str) -> str:
    candidates = [meta.get("signingName"), meta.get("endpointPrefix"), name]
    for candidate in candidates:
        if candidate and service_known(candidate):
            return str(candidate)
    return str(meta.get("signingName") or meta.get("endpointPrefix") or name)


def _build_raw() -> dict[str, Any]:
    session = data_session()
    loader = session.get_component("data_loader")
    operations: dict[str, list[list[str]]] = {}
    services: dict[str, list[str]] = {}
    for name in session.get_available_services():
        model = loader.load_service_model(name, "service-2")
        meta = model.get("metadata", {})
        services[name] = [
            _iam_prefix(meta, name),
            str(meta.get("serviceId", name)),
            str(meta.get("endpointPrefix", name)),
        ]
        for op in model.get("operations", {}):
            operations.setdefault(op.lower(), []).append([name, op])
    return {"operations": operations, "services": services}


def _normalise_hint(hint: str) -> str:
    text = hint.lower()
    for prefix in ("amazon", "aws"):
        if text.startswith(prefix) and len(text) > len(prefix) + 1:
            text = text[len(prefix) :]
    return re.sub(r"[^a-z0-9]", "", text)


@lru_cache(maxsize=1)
def _index() -> _Index:
    path = _cache_file()
    raw: dict[str, Any] | None = None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raw = None
    if raw is None:
        raw = _build_raw()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(raw), encoding="utf-8")
            tmp.replace(path)
        except OSError:
            pass
    services = {name: (v[0], v[1]) for name, v in raw["services"].items()}
    aliases: dict[str, str] = {}
    for name, (prefix, service_id) in services.items():
        endpoint = raw["services"][name][2]
        for alias in (endpoint, prefix, service_id, name):
            aliases.setdefault(_normalise_hint(alias), name)
    for name in services:  # the botocore name wins over another service's alias
        aliases[_normalise_hint(name)] = name
    operations = {k: [(s, o) for s, o in v] for k, v in raw["operations"].items()}
    return _Index(operations, services, aliases)


def service_for_hint(hint: str) -> str | None:
    """A botocore service name for a service id, endpoint, IAM prefix or SDK label."""
    key = _normalise_hint(hint)
    if not key:
        return None
    return _index().aliases.get(key)


def operation_known(name: str) -> bool:
    """Whether some AWS API has an operation of this name (any case)."""
    return name.lower() in _index().operations


def iam_prefix(service: str) -> str:
    """The IAM prefix of a botocore service (`stepfunctions` -> `states`)."""
    return _index().services[service][0]


def _choose(candidates: list[tuple[str, str]], hints: Sequence[str]) -> tuple[str, str] | None:
    by_service = {service: op for service, op in candidates}
    for hint in hints:
        service = service_for_hint(hint)
        if service in by_service:
            return service, by_service[service]
        if service is not None:  # match by IAM prefix (apigateway -> apigatewayv2, ...)
            prefix = iam_prefix(service)
            for cand_service, op in candidates:
                if iam_prefix(cand_service) == prefix:
                    return cand_service, op
    for service in PREFERRED_SERVICES:
        if service in by_service:
            return service, by_service[service]
    if len(candidates) == 1:
        return candidates[0]
    return None


def _apigateway_resolution(service: str, op: str, region: str | None) -> Resolution:
    model = data_session().get_service_model(service)
    http = model.operation_model(op).http
    verb = str(http.get("method", "GET")).upper()
    uri = _URI_PLACEHOLDER.sub("*", str(http.get("requestUri", "/")).split("?")[0])
    resource = f"arn:aws:apigateway:{region or '*'}::{uri}"
    return Resolution(op, (canonical("apigateway", verb),), resource)


def _strip_date_suffix(op: str) -> str:
    match = _LAMBDA_DATE_SUFFIX.match(op)
    return match[1] if match else op


def resolve_operation(
    operation: str, hints: Iterable[str] = (), region: str | None = None
) -> Resolution | None:
    """The IAM action(s) one API operation needs, or None when no service has it.

    `hints` name the service in any spelling the text offers (Go SDK service id,
    CloudFormation's `Service:`, an ARN's service, an endpoint host); the first that
    has the operation wins, then the usual deployment services, then a unique match.
    """
    return _resolve(operation, tuple(hints), region)


@lru_cache(maxsize=4096)
def _resolve(operation: str, hints: tuple[str, ...], region: str | None) -> Resolution | None:
    index = _index()
    name = _strip_date_suffix(operation)
    candidates = index.operations.get(name.lower())
    if not candidates:
        return None
    chosen = _choose(candidates, list(hints))
    if chosen is None:
        return None
    service, op = chosen
    prefix = iam_prefix(service)
    if prefix == "apigateway":
        return _apigateway_resolution(service, op, region)
    names = MISMATCHES.get(prefix, {}).get(op, (op,))
    return Resolution(op, tuple(canonical(prefix, n) for n in names))


_SDK_VERBS = (("set", "Put"), ("get", "Get"), ("delete", "Delete"), ("list", "List"))


def operation_candidates(method: str) -> list[str]:
    """Operation names an SDK method name may stand for (`setBucketCrossOriginConfiguration`)."""
    base = method[:1].upper() + method[1:]
    out = [base]
    for sdk, api in _SDK_VERBS:  # `setX` and CloudFormation's legacy `SetX` alike
        if method[: len(sdk)].lower() == sdk and method[len(sdk) :][:1].isupper():
            out.append(api + method[len(sdk) :])
    more: list[str] = []
    for name in out:
        replaced = name.replace("CrossOrigin", "Cors")
        for candidate in (replaced, replaced.removesuffix("Configuration")):
            if candidate not in out and candidate not in more:
                more.append(candidate)
    return out + more


def resolve_method(prefix: str, method: str, region: str | None = None) -> Resolution | None:
    """`s3:setBucketAccelerateConfiguration` -> PutAccelerateConfiguration, via the model."""
    for candidate in operation_candidates(method):
        resolution = resolve_operation(candidate, (prefix,), region)
        if resolution is None or not all(a.known for a in resolution.actions):
            continue
        wanted = {prefix.lower()}
        service = service_for_hint(prefix)
        if service is not None:
            wanted.add(iam_prefix(service))
        if all(a.prefix in wanted for a in resolution.actions):
            return resolution
    return None
