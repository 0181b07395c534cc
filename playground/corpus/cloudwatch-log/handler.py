"""Stub handlers: the corpus deploys the service; the function bodies are never run."""


def trigger(event, context):
    print("trigger ran")
    return {"ok": True}


def subscriber(event, context):
    return {"has_logs": "awslogs" in event}
