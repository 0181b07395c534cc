"""A bucket and key from any way a template names an S3 object (name, ARN, URL).

One parser for the schema tier, the rules, the sandbox's TemplateURL reader and the
harvest of CloudFormation's TemplateURL failure: `s3://BUCKET/KEY`; virtual-hosted
(`https://BUCKET.s3.amazonaws.com/KEY`, with a region `.s3.REGION.` or `.s3-REGION.`,
dual-stack, `.amazonaws.com.cn`); path-style (`https://s3[.REGION].amazonaws.com/BUCKET/KEY`,
and any other host read path-style: the sandbox's own endpoint
`http://127.0.0.1:PORT/BUCKET/KEY`, as SAM and CDK upload to it); an S3 ARN.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

__all__ = ["bucket_and_key", "object_arn"]

_S3_URL = re.compile(
    r"^s3://(?P<bucket>[^/]+)/?(?P<key>.*)$"
    r"|^https?://(?P<vbucket>[^/]+)\.s3([.-][a-z0-9-]+)*\.amazonaws\.com(\.cn)?(:\d+)?/?(?P<vkey>.*)$"
    r"|^https?://[^/]+/(?P<pbucket>[^/]+)/?(?P<pkey>.*)$"
    r"|^arn:[a-z-]+:s3:::(?P<abucket>[^/]+)/?(?P<akey>.*)$"
)
_LOCATION = re.compile(r"^(s3|https?)://|^arn:[a-z-]+:s3:::", re.IGNORECASE)


def bucket_and_key(value: str) -> tuple[str, str]:
    """(bucket, key) of a bucket name, an S3 ARN or an S3 URL (virtual-hosted or path
    style); the key is empty when the value names only the bucket. A URL's key is
    percent-decoded (as S3 reads it)."""
    found = _S3_URL.match(value)
    if found is None:
        return value, ""
    parts = found.groupdict()
    for bucket, key, url in (
        ("bucket", "key", True),
        ("vbucket", "vkey", True),
        ("pbucket", "pkey", True),
        ("abucket", "akey", False),
    ):
        if parts[bucket]:
            named = parts[key] or ""
            return parts[bucket], unquote(named) if url else named
    return value, ""


def object_arn(value: str, partition: str) -> str | None:
    """The ARN of the object an S3 URL or object ARN names; None when the value names no
    object (a bare name, a bucket's URL, anything that is no URL)."""
    if not _LOCATION.match(value.strip()):
        return None
    bucket, key = bucket_and_key(value.strip())
    if not bucket or not key or key.endswith("/"):
        return None
    return f"arn:{partition}:s3:::{bucket}/{key}"
