"""Shared audit helpers: one record shape for every source of the trail."""
import json
import time


def audit_record(source, kind, detail):
    """The trail's record: who saw what, when (epoch milliseconds)."""
    return {"source": source, "kind": kind, "at": int(time.time() * 1000), "detail": detail}


def to_line(record):
    """A newline-terminated JSON line, as Firehose concatenates records into S3 objects."""
    return (json.dumps(record, separators=(",", ":")) + "\n").encode()
