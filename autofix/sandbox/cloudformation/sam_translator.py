"""The AWS::Serverless-2016-10-31 transform as CloudFormation runs it: the pinned
`aws-sam-translator`, shared by the sandbox (on CreateChangeSet) and `--strategy predict`
(offline, before a SAM step runs). Imports no moto.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from autofix.data.botocore_models import data_session

SERVERLESS = "AWS::Serverless-2016-10-31"
FAILED_PREFIX = f"Transform {SERVERLESS} failed with: "
TRANSFORM_ACTION = "cloudformation:CreateChangeSet"
"""Using an AWS-owned macro is the caller's CreateChangeSet on the macro's ARN."""

_lock = threading.Lock()  # the translator keeps its region in a class attribute


def transform_arn(name: str, partition: str, region: str) -> str:
    """The ARN of the AWS-owned macro `name` (`AWS::Serverless-2016-10-31`)."""
    return f"arn:{partition}:cloudformation:{region}:aws:transform/{name.removeprefix('AWS::')}"


def partition_of(region: str) -> str:
    """The partition of `region` (botocore's endpoint data)."""
    found = data_session().get_partition_for_region(region)
    return str(found)


class TransformFailed(Exception):
    """The transform rejected the template; `reason` is CloudFormation's StatusReason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def declares_serverless(template: Any) -> bool:
    """Whether a parsed template's `Transform` (a name or a list) names the SAM transform."""
    names = template.get("Transform") if isinstance(template, dict) else None
    listed = [names] if isinstance(names, str) else names if isinstance(names, list) else []
    return SERVERLESS in listed


def translate(
    template: dict[str, Any],
    parameters: dict[str, str],
    account_id: str,
    region: str,
    managed_policies: Callable[[], dict[str, str]] = dict,
) -> dict[str, Any]:
    """`template` expanded by the pinned translator, as CloudFormation would (no AWS call:
    managed policies the bundled map lacks come from `managed_policies`).

    Raises TransformFailed with CloudFormation's reason when the translator rejects it.
    """
    # imported here: the translator takes half a second to import; most sandboxes never use it
    import boto3
    from samtranslator.metrics.metrics import DummyMetricsPublisher, Metrics
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    parameters = dict(parameters)
    parameters.setdefault("AWS::Region", region)
    parameters.setdefault("AWS::Partition", partition_of(region))
    parameters.setdefault("AWS::AccountId", account_id)
    metrics = Metrics("ServerlessTransform", DummyMetricsPublisher())
    with _lock:
        session = boto3.session.Session(region_name=region)
        translator = Translator(None, Parser(), boto_session=session, metrics=metrics)
        try:
            processed: dict[str, Any] = translator.translate(
                template, parameter_values=parameters, get_managed_policy_map=managed_policies
            )
        except InvalidDocumentException as exc:
            causes = " ".join(str(cause.message) for cause in exc.causes)
            raise TransformFailed(f"{FAILED_PREFIX}{exc.message} {causes}".strip()) from exc
        except Exception as exc:  # the translator's own failures, as CloudFormation shows them
            raise TransformFailed(f"{FAILED_PREFIX}{exc}") from exc
        finally:
            metrics.publish()
    return processed
