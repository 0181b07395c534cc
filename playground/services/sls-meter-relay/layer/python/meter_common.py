"""Shared by meter-relay's functions (the meterCommon layer)."""

import json


def reading_of(data: bytes) -> dict:
    """One meter reading from a stream record's payload."""
    reading = json.loads(data)
    return {"meter": reading["meter"], "kwh": float(reading["kwh"]), "at": reading["at"]}
