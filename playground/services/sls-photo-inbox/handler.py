"""photo-inbox's functions (stubs: what they do at run time is not what autofix checks)."""

import json
import os

import boto3


def ingest(event, context):
    """An upload under incoming/: check its size, then start the thumbnail state machine."""
    limit = int(
        boto3.client("ssm").get_parameter(Name=os.environ["MAX_UPLOAD_PARAMETER"])["Parameter"][
            "Value"
        ]
    )
    sfn = boto3.client("stepfunctions")
    for record in event.get("Records", []):
        obj = record["s3"]["object"]
        if obj.get("size", 0) > limit:
            raise ValueError(f"{obj['key']} is larger than {limit} bytes")
        sfn.start_execution(
            stateMachineArn=os.environ["STATE_MACHINE_ARN"],
            input=json.dumps({"bucket": record["s3"]["bucket"]["name"], "key": obj["key"]}),
        )


def make_thumbnail(event, context):
    return {"thumbnail": f"thumbnails/{event['key']}"}


def list_photos(event, context):
    claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
    return {"statusCode": 200, "body": json.dumps({"owner": claims.get("email"), "photos": []})}
