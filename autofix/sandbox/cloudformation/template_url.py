"""A TemplateURL read the way CloudFormation reads it.

moto 5.2.5 takes a path-style URL only on a `localhost` or `s3*.amazonaws.com`
host, so a template uploaded through the sandbox's own endpoint
(`http://127.0.0.1:PORT/BUCKET/KEY`, as SAM and CDK upload them) was read as bucket
"127" (NoSuchBucket). CloudFormation also reads the template with the caller's
access: a caller without `s3:GetObject` on it gets "TemplateURL must reference a
valid S3 object to which you have access." (a ValidationError), which the sandbox
answers the same way and records in its deny log, since the message names no action.
The URL is read by the one S3 URL parser (cloudformation.demands.s3_urls).
"""

from __future__ import annotations

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.responses import CloudFormationResponse
from moto.s3.exceptions import MissingBucket, MissingKey
from moto.s3.models import s3_backends

from autofix.sandbox.cloudformation.caller import Verdict, caller_from_headers, evaluate
from autofix.sandbox.cloudformation.demands.s3_urls import bucket_and_key
from autofix.sandbox.fidelity import enforcement

NO_ACCESS = "TemplateURL must reference a valid S3 object to which you have access."


def read_template(template_url: str, account_id: str, partition: str) -> str:
    """The template's text; ValidationError (AWS's words) when it is not there."""
    bucket, key = bucket_and_key(template_url)
    try:
        found = s3_backends[account_id][partition].get_object(bucket, key)
    except (MissingBucket, MissingKey):  # AWS says the same for both
        found = None
    if found is None:
        raise ValidationError(message=NO_ACCESS)
    return found.value.decode("utf-8")


def get_stack_from_s3_url(self: CloudFormationResponse, template_url: str) -> str:
    """CloudFormationResponse._get_stack_from_s3_url, checking the signer's s3:GetObject."""
    caller = caller_from_headers(self.current_account, self.headers)
    if caller is not None and enforcement.enforced():
        bucket, key = bucket_and_key(template_url)
        resource = f"arn:{self.partition}:s3:::{bucket}/{key}"
        verdict = evaluate(caller, "s3:GetObject", resource)
        if verdict is not Verdict.ALLOWED:
            enforcement.record_outside_request(
                caller.arn,
                "s3:GetObject",
                resource,
                deny="explicit-identity" if verdict is Verdict.EXPLICIT_DENY else "implicit",
                operation=self._get_action() or "",
                message=NO_ACCESS,
            )
            raise ValidationError(message=NO_ACCESS)
    return read_template(template_url, self.current_account, self.partition)


def get_nested_stack_from_s3_url(template_url: str, account_id: str, partition: str) -> str:
    """moto.cloudformation.models' reader (nested stacks), with the URL read correctly."""
    return read_template(template_url, account_id, partition)
