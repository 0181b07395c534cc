"""Intent scoping: a grant stays inside what the deployment is.

A deployment creates and changes its own resources. A grant that reaches outside it, to
an IAM principal its stacks do not own (`user/admin`, `role/OrganizationAccountAccessRole`),
to another account, to every secret or bucket in the account, or to the Organizations
APIs, is what a compromised step would ask for, not what a deploy needs. Such grants are
refused unless the operator allows them in `[guard] allow`.

The namespace is made of names: the service names, the stack names the run has seen, the
roles autofix manages (`principal.also_manage`), and the explicit physical names the
stacks own. An IAM principal belongs to the deployment when its name is one the stacks
own or contains one of those names.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from autofix.policy import actions_catalog
from autofix.policy.arns import Arn, matches
from autofix.policy.escalation import is_data_access

CREDENTIAL_ACTIONS = frozenset(
    {
        "iam:createaccesskey",
        "iam:updateaccesskey",
        "iam:createloginprofile",
        "iam:updateloginprofile",
        "iam:createservicespecificcredential",
        "iam:uploadsshpublickey",
    }
)
"""Actions that mint or revive a user's long-lived credentials: never a deploy's business."""
_PRINCIPAL_TYPES = ("user", "group", "role", "policy", "instance-profile")
_READ_LEVELS = frozenset({"Read", "List"})
_SERVICE_LINKED = "aws-service-role/"
_UNSCOPED_NAMES = frozenset({"", "*"})
_NAMED_DATA = frozenset({"secretsmanager"})
"""Services whose every resource is a secret: one the deployment does not own is refused
(S3 objects and SSM parameters are read by deploys, e.g. `${ssm:/path}`: only every one
of them at once is)."""
_TYPE_PREFIX = re.compile(r"^[A-Za-z-]+[/:]")


@dataclass(frozen=True)
class Allowance:
    """One `[guard] allow` entry: an action pattern, on an ARN pattern (None: anywhere)."""

    action: str
    resource: str | None = None

    @classmethod
    def parse(cls, entry: str) -> Allowance:
        action, _, resource = entry.partition(" on ")
        return cls(action.strip(), resource.strip() or None)

    def covers(self, action: str, resource: str) -> bool:
        if not fnmatch.fnmatchcase(action.lower(), self.action.lower()):
            return False
        return self.resource is None or matches(self.resource, resource)

    def __str__(self) -> str:
        return self.action + (f" on {self.resource}" if self.resource else "")


@dataclass(frozen=True)
class Namespace:
    """What belongs to the deployment: its account, its names, what its stacks own."""

    account_id: str
    names: tuple[str, ...] = ()
    """Service names, stack names, managed role names: an IAM name containing one is ours."""
    owned: frozenset[str] = field(default_factory=frozenset)
    """Physical names (and ARNs) the stacks own."""
    allow: tuple[Allowance, ...] = ()

    @classmethod
    def of(cls, account_id: str, names: Iterable[str], allow: Iterable[str] = ()) -> Namespace:
        return cls(account_id, _distinct(names), allow=tuple(Allowance.parse(a) for a in allow))

    def widened(self, names: Iterable[str] = (), owned: Iterable[str] = ()) -> Namespace:
        """With more names and owned physical names (what the stacks showed since)."""
        return Namespace(
            self.account_id,
            _distinct((*self.names, *names)),
            self.owned | frozenset(owned),
            self.allow,
        )

    def allowance(self, action: str, resource: str) -> Allowance | None:
        return next((a for a in self.allow if a.covers(action, resource)), None)


def outside(action: str, resource: str, namespace: Namespace) -> str | None:
    """Why granting `action` on `resource` reaches outside the deployment (None: it does not)."""
    lowered = action.lower()
    if lowered.startswith("organizations:"):
        return "the Organizations APIs act on the whole organization, not on a deployment"
    if lowered in CREDENTIAL_ACTIONS:
        return "it mints or revives a user's long-lived credentials"
    arn = Arn.parse(resource)
    foreign = arn is not None and arn.account not in ("", "*", "aws", namespace.account_id)
    if arn is not None and foreign and not _shared_read(action, arn):
        return f"the resource is in another account ({arn.account})"
    if is_data_access(action) and every_resource(resource, arn):
        return "it reads or exposes every resource of its type in the account"
    if is_data_access(action) and _named_data(arn) and not _owned_resource(resource, namespace):
        return "it reads or exposes data the deployment's stacks do not own"
    if arn is None or arn.service != "iam" or arn.account == "aws":
        return None
    kind, _, rest = arn.resource.partition("/")
    if kind not in _PRINCIPAL_TYPES or _reads_only(action):
        return None
    if rest.startswith(_SERVICE_LINKED) or _owned(rest.rsplit("/", 1)[-1], namespace):
        return None
    return (
        f"{kind} {rest or '*'} is not one of the deployment's: its stacks do not own it and "
        "its name holds no service name, stack name or managed role name"
    )


def _owned(name: str, namespace: Namespace) -> bool:
    """An owned name; a pattern whose fixed part is most of an owned name it matches (the
    account or region made `*`); or a name holding one of the deployment's names."""
    if name in _UNSCOPED_NAMES:
        return False
    if name in namespace.owned:
        return True
    fixed = len(name.replace("*", "").replace("?", ""))
    if fixed != len(name) and any(
        fnmatch.fnmatchcase(owned, name) and 3 * fixed >= 2 * len(owned)
        for owned in namespace.owned
    ):
        return True
    lowered = name.lower()
    return any(n.lower() in lowered for n in namespace.names if len(n) >= 3)


def _named_data(arn: Arn | None) -> bool:
    """A secret (of this account or another: another account's is refused before)."""
    return arn is not None and arn.service in _NAMED_DATA


def _owned_resource(resource: str, namespace: Namespace) -> bool:
    """Whether a resource's name (an S3 bucket, `secret:name`, `parameter/name`) is owned
    or holds an owned or known name."""
    arn = Arn.parse(resource)
    part = arn.resource if arn is not None else resource
    name = part.split("/", 1)[0] if arn is not None and arn.service == "s3" else part
    if _owned(name, namespace):
        return True
    lowered = part.lower()
    known = (*namespace.names, *namespace.owned)
    return any(n.lower() in lowered for n in known if len(n) >= 3 and "*" not in n)


def _shared_read(action: str, arn: Arn) -> bool:
    """Reading what another account shares with every account (a public Lambda layer a
    function names: `lambda:GetLayerVersion`, which AWS asks for on the layer's ARN when a
    function uses another account's layer): a read, of no data and of no IAM principal."""
    return arn.service != "iam" and _reads_only(action) and not is_data_access(action)


def _reads_only(action: str) -> bool:
    names = actions_catalog.expand(action) if ("*" in action or "?" in action) else (action,)
    infos = [actions_catalog.lookup(n) for n in names]
    return bool(infos) and all(
        i is not None and set(i.access_level.split(", ")) <= _READ_LEVELS for i in infos
    )


def every_resource(resource: str, arn: Arn | None = None) -> bool:
    """`*`, or an ARN whose resource part is at most a type and wildcards (`secret:*`,
    `parameter/*`; for S3, whose names have no type, a bucket part that is `*`)."""
    if resource == "*":
        return True
    arn = arn or Arn.parse(resource)
    if arn is None:
        return False
    rest = arn.resource if arn.service == "s3" else _TYPE_PREFIX.sub("", arn.resource, count=1)
    return rest.startswith("*") and set(rest) <= set("*/:")


def _distinct(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(n for n in names if n))
