"""Stub handler: the corpus deploys the service; the function body is never run."""

import json


def delete(event, context):
    return {"statusCode": 200, "body": json.dumps({"handler": "delete"})}
