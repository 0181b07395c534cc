"""Lambda versions and aliases in a stack, as `provisionedConcurrency` deploys them.

moto 5.2.5's AWS::Lambda::Version has no Ref (its Python object) and no Fn::GetAtt (a
500), and moto has no AWS::Lambda::Alias model: the sandbox's stand-in made none, so an
event source mapping on the alias (`function:NAME:ALIAS`) found no function. The
version is patched (cloudformation.PATCHES); the alias is a model of moto's own alias.
A function may use another account's (public) layer, and an inline (`ZipFile`) function
is updated as CloudFormation does (moto base64-decoded its plain text: "Incorrect padding").
"""

from __future__ import annotations

import base64
import contextlib
import io
import zipfile
from typing import Any

from moto.awslambda.exceptions import UnknownFunctionException, UnknownLayerVersionException
from moto.awslambda.utils import get_backend
from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.core.common_models import CloudFormationModel

from autofix.sandbox.cloudformation.demands.schema import type_schema
from autofix.sandbox.cloudformation.types.stack_model import StackModel, creates, updates

VERSION_TYPE = "AWS::Lambda::Version"
ALIAS_TYPE = "AWS::Lambda::Alias"


def _read_only(resource_type: str) -> tuple[str, ...]:
    schema = type_schema(resource_type)
    return schema.read_only if schema else ()


# ---------------------------------------------------------------- AWS::Lambda::Version


@creates
def create_version(
    cls: type[Any], name: str, props: dict[str, Any], account_id: str, region_name: str, **_: Any
) -> Any:
    """AWS::Lambda::Version: moto's, keeping the version's ARN (`...:function:NAME:N`)."""
    published = get_backend(account_id, region_name).publish_version(
        str(props["FunctionName"]), str(props.get("Description") or "")
    )
    if published is None:
        raise ValueError(f"Function not found: {props['FunctionName']}")
    version = cls({"Version": published.version})
    version.function_arn = str(published.function_arn)
    return version


def version_ref(version: Any) -> str:
    """Ref of an AWS::Lambda::Version: the version's ARN (moto gave its Python object)."""
    return str(getattr(version, "function_arn", ""))


def version_has_attr(cls: type[Any], attr: str) -> bool:
    """The attributes the provider schema lists as read-only (`FunctionArn`, `Version`)."""
    return attr in _read_only(VERSION_TYPE)


def version_attribute(version: Any, attribute_name: str) -> str:
    """Fn::GetAtt of an AWS::Lambda::Version (moto had none: a 500)."""
    values = {"FunctionArn": version_ref(version), "Version": str(version.version)}
    if attribute_name not in values:
        raise UnformattedGetAttTemplateException()
    return values[attribute_name]


# ---------------------------------------------------------------- AWS::Lambda::Alias


class StackLambdaAlias(StackModel, CloudFormationModel):
    """AWS::Lambda::Alias: moto's alias of the function; Ref and AliasArn are its ARN."""

    resource_type = ALIAS_TYPE

    def __init__(self, account_id: str, region_name: str, function: str, alias: Any) -> None:
        self.account_id = account_id
        self.region_name = region_name
        self.function = function  # the function's name
        self.alias = alias

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in _read_only(ALIAS_TYPE)

    def get_cfn_attribute(self, attribute_name: str) -> str:
        if attribute_name != "AliasArn":
            raise UnformattedGetAttTemplateException()
        return self.physical_resource_id

    @property
    def physical_resource_id(self) -> str:
        return str(self.alias.arn)

    @classmethod
    def made(
        cls, name: str, props: dict[str, Any], account_id: str, region_name: str
    ) -> StackLambdaAlias:
        backend = get_backend(account_id, region_name)
        function = backend.get_function(str(props["FunctionName"])).function_name
        alias = backend.create_alias(
            name=str(props["Name"]),
            function_name=function,
            function_version=str(props["FunctionVersion"]),
            description=str(props.get("Description") or ""),
            routing_config=props.get("RoutingConfig"),  # type: ignore[arg-type]  # moto: `str`, takes the dict
        )
        return cls(account_id, region_name, function, alias)

    @classmethod
    def updated(
        cls,
        original: StackLambdaAlias,
        name: str,
        props: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> StackLambdaAlias:
        original.alias = get_backend(account_id, region_name).update_alias(
            name=original.alias.name,
            function_name=original.function,
            function_version=str(props["FunctionVersion"]),
            description=str(props.get("Description") or ""),
            routing_config=props.get("RoutingConfig"),  # type: ignore[arg-type]  # moto: `str`, takes the dict
        )
        return original

    def delete(self, account_id: str, region_name: str) -> None:
        with contextlib.suppress(UnknownFunctionException):  # gone with its function
            get_backend(account_id, region_name).delete_alias(self.alias.name, self.function)


# ---------------------------------------------------------------- layers of other accounts


def layers_data(function: Any, layer_version_arns: list[str]) -> list[dict[str, Any]]:
    """LambdaFunction._get_layers_data, accepting the layer versions of other accounts.

    moto knows only the sandbox account's layers, so an update naming a public layer
    (`arn:aws:lambda:REGION:017000801446:layer:AWSLambdaPowertoolsPythonV2:61`) failed
    with "LayerVersion does not exist"; a missing layer of the account itself still does.
    """
    backend = get_backend(function.account_id, function.region)
    found: list[dict[str, Any]] = []
    for arn in layer_version_arns:
        version = backend.layers_versions_by_arn(arn)
        if version is not None:
            found.append({"Arn": version.arn, "CodeSize": version.code_size})
        elif arn.split(":")[4:5] != [function.account_id]:
            found.append({"Arn": arn, "CodeSize": 0})
        else:
            raise UnknownLayerVersionException(layer_version_arns)
    return found


@updates
def update_function(
    cls: type[Any], function: Any, _name: str, props: dict[str, Any], _account: str, _region: str
) -> Any:
    """LambdaFunction.update_from_cloudformation_json with inline code as CloudFormation has it.

    `Code.ZipFile` is the source text (zipped as moto's create zips it), deployed only
    when it differs from the function's; other code (S3) is updated as moto does.
    """
    function.update_configuration(props)
    code = props.get("Code") or {}
    if "ZipFile" not in code:
        function.update_function_code(code)
    elif _inline_source(function.code_bytes) != code["ZipFile"]:
        zipped = cls._create_zipfile_from_plaintext_code(code["ZipFile"])
        function.update_function_code({"ZipFile": base64.b64encode(zipped)})
    return function


def _inline_source(code_bytes: bytes) -> str | None:
    """The source text of a function whose code CloudFormation zipped from `ZipFile`."""
    with (
        contextlib.suppress(zipfile.BadZipFile, KeyError, UnicodeDecodeError),
        zipfile.ZipFile(io.BytesIO(code_bytes)) as zipped,
    ):
        return zipped.read("index.py").decode()
    return None
