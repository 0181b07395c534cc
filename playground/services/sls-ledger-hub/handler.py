import json
import os


def on_order(event, context):
    return {"records": len(event.get("Records", []))}


def on_notice(event, context):
    return {"ok": True, "level": os.environ.get("NOTICE_LEVEL")}


def on_change(event, context):
    return {"changes": len(event.get("Records", []))}


def get_order(event, context):
    return {"statusCode": 200, "body": json.dumps({"table": os.environ["ORDERS_TABLE"]})}


def nightly(event, context):
    return {"swept": 0}
