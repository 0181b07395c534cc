"""chat-relay's functions: the $connect authorizer, the WebSocket routes, and the EventBridge fan-out."""

import json
import os
import time

import boto3

_TABLE = os.environ.get("CONNECTIONS_TABLE", "")
_BUS = os.environ.get("CHAT_BUS", "")


def authorize(event, context):
    """Allow $connect when the query string carries a room token (``token=<room>.<secret>``)."""
    token = (event.get("queryStringParameters") or {}).get("token", "")
    room, _, secret = token.partition(".")
    effect = "Allow" if room and secret else "Deny"
    return {
        "principalId": room or "anonymous",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}],
        },
        "context": {"room": room},
    }


def connect(event, context):
    """Remember the connection and its room until its TTL expires."""
    ctx = event["requestContext"]
    ttl = int(os.environ.get("CONNECTION_TTL_SECONDS", "7200"))
    item = {
        "connectionId": {"S": ctx["connectionId"]},
        "room": {"S": ctx.get("authorizer", {}).get("room", "lobby")},
        "expiresAt": {"N": str(int(time.time()) + ttl)},
    }
    boto3.client("dynamodb").put_item(TableName=_TABLE, Item=item)
    return {"statusCode": 200}


def disconnect(event, context):
    """Forget the connection."""
    key = {"connectionId": {"S": event["requestContext"]["connectionId"]}}
    boto3.client("dynamodb").delete_item(TableName=_TABLE, Key=key)
    return {"statusCode": 200}


def default(event, context):
    """Any message without a known action."""
    return {"statusCode": 400, "body": json.dumps({"error": "unknown action"})}


def send(event, context):
    """Publish the message to the chat bus; fanout delivers it."""
    body = json.loads(event.get("body") or "{}")
    entry = {
        "EventBusName": _BUS,
        "Source": "chat-relay.rooms",
        "DetailType": "MessagePosted",
        "Detail": json.dumps({"room": body.get("room", "lobby"), "text": body.get("text", ""),
                              "endpoint": f"https://{event['requestContext']['domainName']}/{event['requestContext']['stage']}"}),
    }
    boto3.client("events").put_events(Entries=[entry])
    return {"statusCode": 202}


def fanout(event, context):
    """Post the message to every connection of its room (asynchronous: failures go to the queue)."""
    detail = event["detail"]
    table = boto3.client("dynamodb")
    api = boto3.client("apigatewaymanagementapi", endpoint_url=detail["endpoint"])
    found = table.query(
        TableName=_TABLE,
        IndexName="byRoom",
        KeyConditionExpression="room = :r",
        ExpressionAttributeValues={":r": {"S": detail["room"]}},
    )
    for item in found.get("Items", []):
        api.post_to_connection(ConnectionId=item["connectionId"]["S"], Data=detail["text"].encode())
