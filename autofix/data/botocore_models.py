"""botocore's own data (service models, partitions) read without the operator's AWS settings."""

from __future__ import annotations

import botocore.session


def data_session() -> botocore.session.Session:
    """A botocore session that reads no profile from the environment.

    botocore looks up its data path in the profile's config on the first model load, so a
    plain `get_session()` under `AWS_PROFILE=<a profile this machine lacks>` (the operator's
    profile of a real account, set for `autofix run`) raises ProfileNotFound.
    """
    return botocore.session.Session(session_vars={"profile": (None, None, None, None)})
