"""meter-relay's functions (stubs: what they do at run time is not what autofix checks)."""

import base64
import hashlib
import hmac
import json
import os

import boto3
from meter_common import reading_of  # from the meterCommon layer


def relay(event, context):
    """Sign a batch of stream records and publish it to the FIFO topic."""
    key = boto3.client("secretsmanager").get_secret_value(SecretId=os.environ["SIGNING_KEY_ARN"])
    readings = [reading_of(base64.b64decode(r["kinesis"]["data"])) for r in event["Records"]]
    body = json.dumps(readings)
    signature = hmac.new(key["SecretString"].encode(), body.encode(), hashlib.sha256).hexdigest()
    boto3.client("sns").publish(
        TopicArn=os.environ["TOPIC_ARN"],
        Message=body,
        MessageGroupId="readings",
        MessageAttributes={"signature": {"DataType": "String", "StringValue": signature}},
    )


def status(event, context):
    """Health: answered on the function URL and to the scheduler's hourly probe."""
    return {"statusCode": 200, "body": json.dumps({"ok": True})}
