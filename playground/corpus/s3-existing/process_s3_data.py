"""Stub handler: the corpus deploys the service; the function body is never run."""


def lambda_handler(event, context):
    return {"records": len(event.get("Records", []))}
