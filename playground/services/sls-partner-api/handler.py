"""partner-api's functions (stubs: what they do at run time is not what autofix checks)."""

import hashlib
import hmac
import json
import os
import time

import boto3

_TABLE = boto3.resource("dynamodb").Table(os.environ["NOTICES_TABLE"])


def authorize(event, context):
    """REQUEST authorizer: the partner's token must be its id signed with the issuer's key."""
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    partner = headers.get("x-partner-id", "")
    token = headers.get("x-partner-token", "")
    expected = hmac.new(os.environ["TOKEN_ISSUER"].encode(), partner.encode(), hashlib.sha256)
    allowed = bool(partner) and hmac.compare_digest(expected.hexdigest(), token)
    print(json.dumps({"decision": "allow" if allowed else "deny", "partner": partner}))
    return {
        "principalId": partner or "anonymous",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "execute-api:Invoke",
                    "Effect": "Allow" if allowed else "Deny",
                    "Resource": event["methodArn"].split("/", 1)[0] + "/*",
                }
            ],
        },
        "context": {"partnerId": partner},
    }


def post_notice(event, context):
    """Store a shipment notice (API Gateway validated its body against the schema)."""
    notice = json.loads(event["body"])
    partner = event["requestContext"]["authorizer"]["partnerId"]
    _TABLE.put_item(Item={"partnerId": partner, **notice, "receivedAt": int(time.time())})
    return {"statusCode": 201, "body": json.dumps({"noticeId": notice["noticeId"]})}


def get_notice(event, context):
    """Read one of the calling partner's notices back."""
    partner = event["requestContext"]["authorizer"]["partnerId"]
    key = {"partnerId": partner, "noticeId": event["pathParameters"]["id"]}
    item = _TABLE.get_item(Key=key).get("Item")
    if item is None:
        return {"statusCode": 404, "body": "{}"}
    return {"statusCode": 200, "body": json.dumps(item, default=str)}


def catalogue(event, context):
    """The public service catalogue, for partners' browsers too (CORS)."""
    tier = os.environ.get("PARTNER_TIER", "standard")
    return {
        "statusCode": 200,
        "headers": {"Access-Control-Allow-Origin": "*"},
        "body": json.dumps({"tier": tier, "services": ["notices"]}),
    }


def reconcile(event, context):
    """Nightly: count the day's notices (invoked by the Scheduler schedule)."""
    return {"window": event.get("window", "24h"), "checked": 0}
