"""The objects a DeleteObjects (multi-object delete) request names, each authorised alone.

S3 performs a delete per key of the request and answers each key's result, success or
failure, in the response (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html);
the permission is s3:DeleteObject on the object, s3:DeleteObjectVersion for a key with a
version id (https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html).
A grant on the bucket's ARN alone deletes nothing.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from autofix.sandbox.fidelity.actions import s3_action_name


@dataclass(frozen=True)
class NamedObject:
    key: str
    versioned: bool


def named_objects(body: bytes | str | None) -> tuple[NamedObject, ...]:
    """The `<Object>`s of a `<Delete>` request body (any namespace); none when unreadable."""
    if not body:
        return ()
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return ()
    found = []
    for item in root:
        if _local(item.tag) != "Object":
            continue
        fields = {_local(child.tag): (child.text or "") for child in item}
        if "Key" in fields:
            found.append(NamedObject(fields["Key"], "VersionId" in fields))
    return tuple(found)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


class _ObjectDenied(Exception):
    """One object of the request was denied (the enforcer recorded it in the deny log)."""


def authorize_each_object(resp: Any, bucket_arn: str, enforce: Callable[..., None]) -> None:
    """Authorise a DeleteObjects request per object it names, with the sandbox's `enforce`
    (`enforcement._enforce`); with any denied, moto answers every key AccessDenied in a
    200, as S3 answers the denied ones."""
    from moto.iam.access_control import S3IAMRequest
    from moto.s3.exceptions import BucketAccessDeniedError

    def deny(decision: Any, request_id: str) -> None:
        raise _ObjectDenied

    denied = False
    for named in named_objects(resp.body):
        action = f"s3:{s3_action_name('DeleteObject', named.versioned)}"
        arn = f"{bucket_arn}/{named.key}"
        try:
            enforce(
                resp, S3IAMRequest, "DeleteObjects", lambda _, a=action: a, lambda _, r=arn: r, deny
            )
        except _ObjectDenied:
            denied = True
    if denied:
        raise BucketAccessDeniedError(bucket_arn.rpartition(":")[2])
