"""AWS::IAM::User updated in place, as CloudFormation's handler does.

moto 5.2.5 replaces a user whenever its properties hold `UserName` (and the sandbox
passes the generated name when the template gives none), so an update of any property
created the same name again and failed with EntityAlreadyExists. Only UserName is
create-only (the provider schema): a user keeping its name is updated in place.
"""

from __future__ import annotations

from typing import Any

from moto.iam.models import User, iam_backends
from moto.utilities.utils import get_partition

from autofix.sandbox.cloudformation.patches import original
from autofix.sandbox.cloudformation.types.stack_model import updates


@updates
def update_user(
    cls: type[User], old: User, new_name: str, props: dict[str, Any], account_id: str, region: str
) -> User:
    """User.update_from_cloudformation_json: in place unless the user's name changes."""
    if str(props.get("UserName") or old.name) != old.name:
        update = original(User, "update_from_cloudformation_json")
        replaced: User = update(old, new_name, {"Properties": props}, account_id, region)
        return replaced
    if "Path" in props:
        old.path = str(props["Path"])
    backend = iam_backends[account_id][get_partition(region)]
    tags = [t for t in props.get("Tags") or [] if isinstance(t, dict)]
    kept = {str(t.get("Key")) for t in tags}
    gone = [t["Key"] for t in old.tags or [] if t["Key"] not in kept]
    if gone:
        backend.untag_user(old.name, gone)
    if tags:
        backend.tag_user(old.name, tags)
    return old
