"""Trail writers: CloudWatch Logs forwarding and DynamoDB change recording, into Firehose."""
import base64
import gzip
import json
import os

import boto3
from audit_common import audit_record, to_line  # from the AuditCommonLayer

_firehose = boto3.client("firehose")
_sns = boto3.client("sns")


def _put(records):
    if records:
        _firehose.put_record_batch(
            DeliveryStreamName=os.environ["DELIVERY_STREAM"],
            Records=[{"Data": to_line(r)} for r in records],
        )


def forward_logs(event, _context):
    """CloudWatch Logs subscription: a gzip'd, base64'd batch of log events."""
    payload = json.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"])))
    _put([audit_record("logs", payload["logGroup"], e["message"]) for e in payload["logEvents"]])
    return {"forwarded": len(payload["logEvents"])}


def record_changes(event, _context):
    """DynamoDB stream (filtered to MODIFY and REMOVE): each change recorded, removals alerted."""
    records = [
        audit_record("table", r["eventName"], r["dynamodb"].get("Keys")) for r in event["Records"]
    ]
    _put(records)
    removed = [r for r in records if r["kind"] == "REMOVE"]
    if removed:
        _sns.publish(TopicArn=os.environ["ALERTS_TOPIC_ARN"], Message=json.dumps(removed)[:4000])
    return {"recorded": len(records)}
