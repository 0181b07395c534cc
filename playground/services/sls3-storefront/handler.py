"""storefront's two functions: the HTTP API's request authorizer and the catalog it guards."""

import json
import os


def authorize(event, context):
    """Simple-response authorizer: a request passes when its X-Api-Key header is the stage's key."""
    headers = event.get("headers") or {}
    return {"isAuthorized": headers.get("x-api-key") == os.environ.get("API_KEY", "")}


def catalog(event, context):
    """The catalog: static items, and where the site's pages are served from."""
    body = {"items": ["mug", "poster"], "site": os.environ.get("SITE_BUCKET", "")}
    return {"statusCode": 200, "body": json.dumps(body)}
