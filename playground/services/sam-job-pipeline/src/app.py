"""Job pipeline handlers: intake over HTTP, a queue worker, a stream auditor."""
import json
import os

import boto3

_table = boto3.resource("dynamodb").Table(os.environ.get("JOBS_TABLE", "jobs"))
_sqs = boto3.client("sqs")
_sns = boto3.client("sns")


def intake(event, _context):
    body = json.loads(event.get("body") or "{}")
    _sqs.send_message(QueueUrl=os.environ["JOBS_QUEUE_URL"], MessageBody=json.dumps(body))
    return {"statusCode": 202, "body": json.dumps({"queued": True})}


def work(event, _context):
    for record in event.get("Records", []):
        job = json.loads(record["body"])
        _table.put_item(Item={"jobId": job.get("jobId", record["messageId"]), "status": "done"})
    return {"ok": True}


def audit(event, _context):
    failed = [r for r in event.get("Records", []) if r.get("eventName") == "REMOVE"]
    if failed or event.get("detail-type"):
        _sns.publish(TopicArn=os.environ["ALERTS_TOPIC_ARN"], Message=json.dumps(event)[:2000])
    return {"audited": len(event.get("Records", []))}
