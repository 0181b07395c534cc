"""A bucket and key from any way a template names an S3 object (name, ARN, URL)."""

from __future__ import annotations

import re

__all__ = ["bucket_and_key"]

_S3_URL = re.compile(
    r"^s3://(?P<bucket>[^/]+)/?(?P<key>.*)$"
    r"|^https://(?P<vbucket>[^/]+)\.s3([.-][a-z0-9-]+)*\.amazonaws\.com(\.cn)?/?(?P<vkey>.*)$"
    r"|^https://s3([.-][a-z0-9-]+)*\.amazonaws\.com(\.cn)?/(?P<pbucket>[^/]+)/?(?P<pkey>.*)$"
    r"|^arn:[a-z-]+:s3:::(?P<abucket>[^/]+)/?(?P<akey>.*)$"
)


def bucket_and_key(value: str) -> tuple[str, str]:
    """(bucket, key) of a bucket name, an S3 ARN or an S3 URL (virtual-hosted or path
    style); the key is empty when the value names only the bucket."""
    found = _S3_URL.match(value)
    if found is None:
        return value, ""
    parts = found.groupdict()
    for bucket, key in (
        ("bucket", "key"),
        ("vbucket", "vkey"),
        ("pbucket", "pkey"),
        ("abucket", "akey"),
    ):
        if parts[bucket]:
            return parts[bucket], parts[key] or ""
    return value, ""
