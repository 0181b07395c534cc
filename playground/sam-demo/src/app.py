"""The demo's function: greets and counts the visit in the table."""

import json
import os
import uuid

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def handler(event, context):
    TABLE.put_item(Item={"id": str(uuid.uuid4())})
    body = {"message": os.environ.get("GREETING", "hello")}
    return {"statusCode": 200, "body": json.dumps(body)}
