"""DeleteObjects (multi-object delete) is authorised per object, as S3 does.

S3 performs a delete per key and answers each key's result, success or failure, in the
response (DeleteObjects API reference:
https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html); the permission is
s3:DeleteObject on the object (s3:DeleteObjectVersion with a version id;
https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html).
A grant on the bucket's ARN alone deletes nothing; the sandbox used to demand it there.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from autofix.sandbox.records.deny_log import read_deny_log

MakeUser = Callable[[list[dict[str, Any]] | None], tuple[str, Callable[[str], Any]]]
BUCKET = "delete-objects-demo"
KEYS = ("serverless/svc/dev/1/a.zip", "serverless/svc/dev/1/b.json")


def _filled(operator_client: Callable[[str], Any]) -> None:
    s3 = operator_client("s3")
    s3.create_bucket(Bucket=BUCKET)
    for key in KEYS:
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"x")


def _delete(client: Callable[[str], Any]) -> dict[str, Any]:
    objects = [{"Key": k} for k in KEYS]
    return client("s3").delete_objects(Bucket=BUCKET, Delete={"Objects": objects})


def test_a_grant_on_the_objects_deletes_them(
    operator_client: Callable[[str], Any], make_user: MakeUser
) -> None:
    _filled(operator_client)
    objects = f"arn:aws:s3:::{BUCKET}/serverless/svc/*"
    _, client = make_user([{"Effect": "Allow", "Action": "s3:DeleteObject", "Resource": objects}])
    answer = _delete(client)
    assert sorted(d["Key"] for d in answer.get("Deleted", [])) == sorted(KEYS)
    assert not answer.get("Errors")


def test_a_grant_on_the_bucket_alone_deletes_nothing_and_each_object_is_recorded(
    operator_client: Callable[[str], Any], make_user: MakeUser, deny_log_path: Path
) -> None:
    _filled(operator_client)
    bucket = f"arn:aws:s3:::{BUCKET}"
    user, client = make_user([{"Effect": "Allow", "Action": "s3:DeleteObject", "Resource": bucket}])
    answer = _delete(client)
    assert not answer.get("Deleted")
    assert sorted(e["Key"] for e in answer["Errors"]) == sorted(KEYS)
    assert {e["Code"] for e in answer["Errors"]} == {"AccessDenied"}
    records = [r for r in read_deny_log(deny_log_path) if r.principal == user]
    assert {(r.action, r.resource) for r in records} == {
        ("s3:DeleteObject", f"{bucket}/{key}") for key in KEYS
    }
    assert operator_client("s3").list_objects_v2(Bucket=BUCKET)["KeyCount"] == len(KEYS)


def test_a_version_is_deleted_with_delete_object_version(
    operator_client: Callable[[str], Any], make_user: MakeUser, deny_log_path: Path
) -> None:
    _filled(operator_client)
    objects = f"arn:aws:s3:::{BUCKET}/*"
    user, client = make_user(
        [{"Effect": "Allow", "Action": "s3:DeleteObject", "Resource": objects}]
    )
    delete = {"Objects": [{"Key": KEYS[0], "VersionId": "null"}]}
    answer = client("s3").delete_objects(Bucket=BUCKET, Delete=delete)
    assert [e["Code"] for e in answer["Errors"]] == ["AccessDenied"]
    last = [r for r in read_deny_log(deny_log_path) if r.principal == user][-1]
    assert (last.action, last.resource) == ("s3:DeleteObjectVersion", f"{objects[:-1]}{KEYS[0]}")
