"""signup-hub's functions: the profile API and the avatar upload handler."""
import json
import os

import boto3

_table = boto3.resource("dynamodb").Table(os.environ.get("PROFILES_TABLE", "profiles"))


def api(event, context):
    member = event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"]
    if event["requestContext"]["http"]["method"] == "PUT":
        profile = json.loads(event.get("body") or "{}")
        _table.put_item(Item={"memberId": member, **profile})
        return {"statusCode": 204}
    item = _table.get_item(Key={"memberId": member}).get("Item", {})
    return {"statusCode": 200, "body": json.dumps(item)}


def avatar_uploaded(event, context):
    keys = [record["s3"]["object"]["key"] for record in event.get("Records", [])]
    print(json.dumps({"avatars": keys}))
