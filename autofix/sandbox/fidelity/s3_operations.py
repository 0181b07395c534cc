"""Which S3 API operation a request is, read from botocore's S3 model.

moto names S3 requests with its own table (a bucket PUT with `?encryption` is
`CreateBucket` there); the model knows each operation's HTTP method, URI
(`/{Bucket}?encryption`) and required query-string and header members, which is
enough to tell `PutObject` from `CopyObject` and `UploadPart`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from urllib.parse import parse_qsl

from autofix.data.botocore_models import data_session


@dataclass(frozen=True)
class _Signature:
    operation: str
    method: str
    has_bucket: bool
    has_key: bool
    query_keys: frozenset[str]
    headers: frozenset[str]

    @property
    def specificity(self) -> int:
        return len(self.query_keys) + len(self.headers)


@cache
def _signatures() -> tuple[_Signature, ...]:
    model = data_session().get_service_model("s3")
    found = []
    for name in model.operation_names:
        op = model.operation_model(name)
        path, _, query = op.http["requestUri"].partition("?")
        query_keys = {k for k, _ in parse_qsl(query, keep_blank_values=True) if k != "x-id"}
        headers: set[str] = set()
        shape = op.input_shape
        if shape is not None:
            for member in shape.required_members:
                where = shape.members[member].serialization
                if where.get("location") == "querystring":
                    query_keys.add(where["name"])
                elif where.get("location") == "header":
                    headers.add(where["name"].lower())
        found.append(
            _Signature(
                operation=name,
                method=op.http["method"],
                has_bucket="{Bucket}" in path,
                has_key="{Key+}" in path,
                query_keys=frozenset(query_keys),
                headers=frozenset(headers),
            )
        )
    return tuple(found)


def s3_operation(
    method: str,
    bucket: str | None,
    key: str | None,
    query: Iterable[str],
    headers: Mapping[str, str] | Iterable[str],
) -> str | None:
    """The S3 operation name of a request, or None when no operation fits."""
    query_keys = set(query)
    header_names = {h.lower() for h in headers}
    best: _Signature | None = None
    for sig in _signatures():
        if (
            sig.method != method.upper()
            or sig.has_bucket != bool(bucket)
            or sig.has_key != bool(key)
            or not sig.query_keys <= query_keys
            or not sig.headers <= header_names
        ):
            continue
        if best is None or sig.specificity > best.specificity:
            best = sig
    return best.operation if best else None
