"""Signature checks for requests without a body.

moto re-signs a request to check its signature; for a body-less request it
signs the parsed query parameters as if they were a form body, so every GET to
Lambda or API Gateway fails with SignatureDoesNotMatch, even for the admin.
The real payload of such a request is empty, unless it is a form (query
protocol) whose fields moto has already consumed from the stream.
"""

from __future__ import annotations

from typing import Any

from botocore.awsrequest import AWSRequest
from moto.iam.access_control import IAMRequestBase

_installed = False


def _create_aws_request(self: Any) -> AWSRequest:
    signed_headers = self._get_string_between(
        "SignedHeaders=", ",", self._headers["Authorization"]
    ).split(";")
    headers = self._create_headers_for_aws_request(signed_headers, self._headers)
    body = self._body
    content_type = self._headers.get("Content-Type", "") or ""
    if not body and content_type.startswith("application/x-www-form-urlencoded"):
        body = self._data  # query protocol: moto hands the form fields, not the bytes
    request = AWSRequest(method=self._method, url=self._path, data=body or b"", headers=headers)
    request.context["timestamp"] = headers["X-Amz-Date"]
    return request


def install() -> None:
    global _installed
    if _installed:
        return
    IAMRequestBase._create_aws_request = _create_aws_request  # type: ignore[method-assign]
    _installed = True
