"""Body-less requests (every GET of Lambda and API Gateway) pass the signature check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError, ParamValidationError

_FILLERS: dict[str, Any] = {"string": "x", "integer": 1, "long": 1, "boolean": False}


def _get_operations(client: Any) -> list[tuple[str, dict[str, Any]]]:
    """Every GET operation of the client's service, with dummy required parameters."""
    model = client.meta.service_model
    found = []
    for name in model.operation_names:
        op = model.operation_model(name)
        if op.http.get("method") != "GET":
            continue
        shape = op.input_shape
        params = {}
        for member in shape.required_members if shape is not None else []:
            kind = shape.members[member].type_name
            if kind not in _FILLERS:
                break
            # a real date: moto's GetUsage loops forever over a malformed range
            params[member] = "2026-01-01" if member.endswith("Date") else _FILLERS[kind]
        else:
            found.append((name, params))
    return found


def _signature_failures(client: Any) -> tuple[int, list[str]]:
    tried, failures = 0, []
    for name, params in _get_operations(client):
        method = getattr(client, _snake(client, name))
        try:
            method(**params)
        except ParamValidationError:
            continue
        except ClientError as error:
            code = error.response["Error"].get("Code", "")
            message = str(error.response["Error"].get("Message", ""))
            if "Signature" in code or "Signature" in message or code.startswith("AccessDenied"):
                failures.append(f"{name}: {code}")
        tried += 1
    return tried, failures


def _snake(client: Any, operation: str) -> str:
    return next(k for k, v in client.meta.method_to_api_mapping.items() if v == operation)


@pytest.mark.parametrize("service", ["lambda", "apigateway"])
@pytest.mark.parametrize("who", ["operator", "deployer"])
def test_every_get_api_passes_the_signature_check(
    service: str,
    who: str,
    operator_client: Callable[[str], Any],
    make_user: Callable[..., tuple[str, Callable[[str], Any]]],
) -> None:
    if who == "operator":
        client = operator_client(service)
    else:
        client = make_user([{"Effect": "Allow", "Action": f"{service}:*", "Resource": "*"}])[1](
            service
        )
    tried, failures = _signature_failures(client)
    assert tried >= 10
    assert failures == []
