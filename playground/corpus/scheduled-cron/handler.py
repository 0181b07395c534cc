"""Stub handler: the corpus deploys the service; the function body is never run."""


def run(event, context):
    return {"time": event.get("time")}
