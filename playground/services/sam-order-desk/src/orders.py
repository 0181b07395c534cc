"""order-desk's functions (stubs: what they do at run time is not what autofix checks)."""

import json
import os
import uuid

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])


def api(event, context):
    if event.get("httpMethod") == "POST":
        order = {"orderId": str(uuid.uuid4()), "status": "placed"}
        TABLE.put_item(Item=order)
        boto3.client("sqs").send_message(
            QueueUrl=os.environ["ORDER_QUEUE_URL"], MessageBody=json.dumps(order)
        )
        return {"statusCode": 201, "body": json.dumps(order)}
    item = TABLE.get_item(Key={"orderId": event["pathParameters"]["orderId"]}).get("Item")
    return {"statusCode": 200 if item else 404, "body": json.dumps(item or {})}


def fulfil(event, context):
    for record in event["Records"]:
        order = json.loads(record["body"])
        TABLE.update_item(
            Key={"orderId": order["orderId"]},
            UpdateExpression="SET #s = :s",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":s": "fulfilled"},
        )


def report(event, context):
    return {"orders": TABLE.scan(Select="COUNT")["Count"]}


def expire(event, context):
    return {"expired": 0}
