"""Pointing every AWS client of a step at the sandbox, service by service.

`AWS_ENDPOINT_URL` is the global setting; SDKs also read `AWS_ENDPOINT_URL_<SERVICE>`
first (botocore's `endpoint_url` configuration: the service id, hyphens as
underscores, upper case). Setting both keeps a client that honours only one of them
inside the sandbox. The names come from the installed botocore, never a list of ours.
"""

from __future__ import annotations

from functools import cache

GLOBAL = "AWS_ENDPOINT_URL"


@cache
def service_variables() -> tuple[str, ...]:
    """`AWS_ENDPOINT_URL_SQS`, ... for every service botocore knows."""
    from botocore import loaders, utils

    names: set[str] = set()
    for client in loaders.create_loader().list_available_services("service-2"):
        client = utils.SERVICE_NAME_ALIASES.get(client, client)
        service_id = utils.CLIENT_NAME_TO_HYPHENIZED_SERVICE_ID_OVERRIDES.get(client, client)
        names.add(f"{GLOBAL}_{service_id.replace('-', '_').upper()}")
    return tuple(sorted(names))


def endpoint_environment(url: str) -> dict[str, str]:
    """The global and every per-service endpoint variable, all set to `url`."""
    return {GLOBAL: url, **dict.fromkeys(service_variables(), url)}
