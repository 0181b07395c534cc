"""The playground's one HTTP function."""

import json
import os


def hello(event, context):
    greeting = os.environ.get("GREETING", "hello")
    return {"statusCode": 200, "body": json.dumps({"message": f"{greeting} from autofix-demo"})}
