"""The fidelity patches reach into moto internals: fail loudly on another moto."""

from importlib.metadata import version

from autofix.sandbox.fidelity import PINNED_MOTO_VERSION


def test_moto_is_the_pinned_version() -> None:
    assert version("moto") == PINNED_MOTO_VERSION, (
        "moto changed: re-check every patch in autofix/sandbox/fidelity against it, "
        "then update PINNED_MOTO_VERSION"
    )


def test_patched_hooks_still_exist_in_moto() -> None:
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.core.responses import BaseResponse
    from moto.iam.access_control import IAMRequestBase

    for hook in (
        "_authenticate_and_authorize_normal_action",
        "_authenticate_and_authorize_s3_action",
    ):
        assert hasattr(ActionAuthenticatorMixin, hook)
    assert hasattr(BaseResponse, "call_action")
    for hook in (
        "_create_aws_request",
        "_is_assuming_role_operation",
        "_check_role_trust_relationship",
    ):
        assert hasattr(IAMRequestBase, hook)
