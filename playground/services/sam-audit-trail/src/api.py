"""Firehose transformation and the query API (no layer: neither needs the shared helpers)."""
import base64
import json
import os

import boto3

_table = boto3.resource("dynamodb").Table(os.environ.get("AUDIT_TABLE", "audit"))


def transform(event, _context):
    """Firehose data transformation: stamp each record with the stage, drop empty ones."""
    out = []
    for rec in event["records"]:
        data = base64.b64decode(rec["data"])
        if not data.strip():
            out.append({"recordId": rec["recordId"], "result": "Dropped", "data": rec["data"]})
            continue
        body = json.loads(data)
        body["stage"] = os.environ.get("STAGE", "dev")
        line = (json.dumps(body, separators=(",", ":")) + "\n").encode()
        out.append({"recordId": rec["recordId"], "result": "Ok", "data": base64.b64encode(line).decode()})
    return {"records": out}


def query(event, _context):
    """GET /events/{subject}: the subject's latest audit entries."""
    subject = event["pathParameters"]["subject"]
    items = _table.query(
        KeyConditionExpression="subject = :s",
        ExpressionAttributeValues={":s": subject},
        ScanIndexForward=False,
        Limit=50,
    )["Items"]
    return {"statusCode": 200, "body": json.dumps(items, default=str)}
