"""CloudFormation in the sandbox acts with the caller's permissions: the patch registry.

PATCHES lists every replacement the sandbox makes in moto 5.2.5's CloudFormation,
each with what it mends; `install` applies them (moto's originals stay reachable
through patches.original). Concerns live in their own modules:
state (the operation, who acts, events), handlers
(one resource), waves (ordering), stacks (create,
delete), updates (update), change_sets,
validation (template checks), standins (types moto lacks),
transforms (the SAM transform, GetTemplate's stages), rest_api_body,
models, apigateway_keys and lambda_versions (models moto lacks or gets wrong),
optional_properties (optional properties moto's models read as required), dropped_properties
(properties they drop).
"""

from __future__ import annotations

from typing import Any

from moto.apigateway.models import Method, RestAPI
from moto.awslambda.models import LambdaFunction, LambdaVersion, LayerVersion
from moto.cloudformation import models as cloudformation_backend_module
from moto.cloudformation import parsing
from moto.cloudformation.models import CloudFormationBackend, Stack
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import BaseResponse
from moto.elbv2.models import FakeListener, FakeListenerRule, FakeTargetGroup
from moto.iam.models import IAMBackend, Role, User
from moto.s3.models import FakeBucket

from autofix.sandbox.cloudformation import (
    change_set_reads,
    change_sets,
    handlers,
    intrinsics,
    patches,
    stack_outputs,
    stacks,
    template_url,
    transforms,
    validation,
)
from autofix.sandbox.cloudformation.caller import caller_from_headers
from autofix.sandbox.cloudformation.patches import Patch
from autofix.sandbox.cloudformation.state import request_caller
from autofix.sandbox.cloudformation.types import (
    apigateway_keys,
    attributes,
    dropped_properties,
    elbv2,
    iam_role,
    iam_user,
    lambda_versions,
    models,
    optional_properties,
    rest_api_body,
    standins,
)
from autofix.sandbox.fidelity import enforcement

ADDED_MODELS = apigateway_keys.MODELS
"""Models moto's CloudFormation finds among CloudFormationModel's subclasses once imported."""

_STACK_ACTIONS = frozenset({"CreateStack", "UpdateStack", "ExecuteChangeSet", "DeleteStack"})


def _call_action(self: CloudFormationResponse) -> Any:
    """Bind the signer of a stack-changing request while moto handles it."""
    action = self._get_action()
    if action not in _STACK_ACTIONS or not enforcement.enforced():
        return BaseResponse.call_action(self)
    caller = caller_from_headers(self.current_account, self.headers)
    with request_caller(caller, self._get_param("RoleARN")):
        return BaseResponse.call_action(self)


PATCHES: tuple[Patch, ...] = (
    Patch(
        parsing,
        "parse_and_create_resource",
        handlers.create_resource,
        "resources were created without checking the caller, and without resource events",
    ),
    Patch(
        parsing,
        "parse_and_update_resource",
        handlers.update_resource,
        "resources were updated without checking the caller, and without resource events",
    ),
    Patch(
        parsing.ResourceMap,
        "_delete_resource",
        handlers.delete_resource,
        "resources were deleted without checking the caller, and without resource events",
    ),
    Patch(
        CloudFormationBackend,
        "create_stack",
        transforms.create_stack,  # -> stacks.create_stack
        "a failed resource did not roll the new stack back (ROLLBACK_COMPLETE); "
        "unknown resource types were accepted; the SAM transform was not expanded",
    ),
    Patch(
        CloudFormationBackend,
        "delete_stack",
        stacks.delete_stack,
        "deletion was not checked (DELETE_FAILED), and kept the stack's change sets",
    ),
    Patch(
        Stack,
        "update",
        transforms.update_stack,  # -> updates.update_stack
        "a failed update did not roll back; removed resources were not cleaned up; "
        "unknown resource types were accepted; the SAM transform was not expanded",
    ),
    Patch(
        CloudFormationBackend,
        "execute_change_set",
        change_sets.execute_change_set,
        "change sets ran moto's unchecked flows and set no Outputs",
    ),
    Patch(
        CloudFormationResponse,
        "call_action",
        _call_action,
        "the signer of a stack request was not known to the resource handlers",
    ),
    Patch(
        CloudFormationBackend,
        "delete_change_set",
        change_sets.delete_change_set,
        "deleting a change set that does not exist failed with a 500 (UnboundLocalError); "
        "AWS accepts it (the Serverless Framework deletes the last change set before each update)",
    ),
    Patch(
        CloudFormationResponse,
        "create_change_set",
        change_sets.create_change_set_response,
        "a transform (AWS::Serverless-2016-10-31) was usable without permission to use it",
    ),
    Patch(
        CloudFormationResponse,
        "continue_update_rollback",
        change_sets.continue_update_rollback_response,
        "moto has no ContinueUpdateRollback",
    ),
    Patch(
        CloudFormationBackend,
        "create_change_set",
        transforms.create_change_set,  # -> validation's
        "a template naming a resource type that does not exist was accepted; "
        "AWS::Serverless-2016-10-31 was not expanded (a SAM stack held no resources)",
    ),
    Patch(
        CloudFormationBackend,
        "validate_template",
        validation.validate_template,
        "ValidateTemplate failed on any cfn-lint finding, warnings included (W3005 on "
        "every Serverless httpApi route), where AWS checks format and references only",
    ),
    Patch(
        parsing,
        "resource_class_from_type",
        standins.resource_class_from_type,
        "types without a moto model (AWS::ApiGatewayV2::*, ...) were dropped silently, "
        "and custom resources ran their provider function in Docker",
    ),
    Patch(
        parsing,
        "clean_json",
        intrinsics.clean_json,
        "Fn::GetAZs kept an intrinsic argument ({Ref: AWS::Region}) as text, giving zones "
        "like \"{'Ref': 'AWS::Region'}a\"; an empty argument named us-east-1, "
        "not the stack's region",
    ),
    Patch(
        LayerVersion,
        "physical_resource_id",
        property(models.layer_version_ref),
        "Ref of an AWS::Lambda::LayerVersion gave moto's Python object, not the version ARN",
    ),
    Patch(
        LayerVersion,
        "cloudformation_name_type",
        staticmethod(models.layer_version_name_property),
        "a stack's layer took a generated name, not its LayerName",
    ),
    Patch(
        LambdaVersion,
        "create_from_cloudformation_json",
        classmethod(lambda_versions.create_version),
        "an AWS::Lambda::Version did not keep its ARN",
    ),
    Patch(
        LambdaVersion,
        "physical_resource_id",
        property(lambda_versions.version_ref),
        "Ref of an AWS::Lambda::Version gave moto's Python object, not the version ARN",
    ),
    Patch(
        LambdaVersion,
        "has_cfn_attr",
        classmethod(lambda_versions.version_has_attr),
        "an AWS::Lambda::Version claimed every attribute",
    ),
    Patch(
        LambdaVersion,
        "get_cfn_attribute",
        lambda_versions.version_attribute,
        "Fn::GetAtt of an AWS::Lambda::Version (Version, FunctionArn) failed with a 500",
    ),
    Patch(
        FakeTargetGroup,
        "delete",
        elbv2.delete_target_group,
        "a stack's deletion or rollback left its target groups (a retried deploy failed "
        "with DuplicateTargetGroupName)",
    ),
    Patch(
        FakeListener,
        "delete",
        elbv2.delete_listener,
        "a stack's deletion or rollback left its listeners",
    ),
    Patch(
        FakeListenerRule,
        "delete",
        elbv2.delete_listener_rule,
        "a stack's deletion or rollback left its listener rules",
    ),
    Patch(
        LambdaFunction,
        "update_from_cloudformation_json",
        classmethod(lambda_versions.update_function),
        'an update of an inline (ZipFile) function failed with "Incorrect padding" (moto '
        "base64-decoded the source text) and redeployed unchanged code",
    ),
    Patch(
        CloudFormationResponse,
        "_validate_different_update",
        change_sets.validate_different_update,
        'CreateChangeSet with parameters and nothing changed failed "No updates are to be '
        'performed."; CloudFormation creates the change set and fails it',
    ),
    Patch(
        LambdaFunction,
        "_get_layers_data",
        lambda_versions.layers_data,
        "a function updated to use another account's public layer failed: moto knows only "
        "the account's own layers (s3-existing's update rehearsal)",
    ),
    Patch(
        parsing,
        "parse_output",
        stack_outputs.parse_output,
        "describing a stack created the resources its Outputs name when they did not exist "
        "(deleted by a failed delete), unchecked and without their properties",
    ),
    Patch(
        Method,
        "create_from_cloudformation_json",
        classmethod(models.create_method),
        "a method without Integration.IntegrationHttpMethod or Uri (a MOCK CORS OPTIONS "
        "method) failed with KeyError",
    ),
    Patch(
        FakeBucket,
        "get_permission",
        models.bucket_permission,
        "a bucket policy statement with a Condition was read as an explicit deny",
    ),
    Patch(
        CloudFormationResponse,
        "_get_stack_from_s3_url",
        template_url.get_stack_from_s3_url,
        "a TemplateURL on the sandbox's endpoint (http://127.0.0.1:PORT/BUCKET/KEY, as SAM "
        "and CDK upload) was read as bucket '127'; the caller's s3:GetObject was not checked",
    ),
    Patch(
        cloudformation_backend_module,
        "get_stack_from_s3_url",
        template_url.get_nested_stack_from_s3_url,
        "a nested stack's TemplateURL on the sandbox's endpoint was read as bucket '127'",
    ),
    Patch(
        CloudFormationResponse,
        "get_template",
        transforms.get_template_response,
        "GetTemplate ignored TemplateStage and ChangeSetName (a transformed stack's "
        "Original and Processed templates; a stack under review's change set)",
    ),
    Patch(
        CloudFormationResponse,
        "list_change_sets",
        change_sets.list_change_sets_response,
        "ListChangeSets listed every stack's change sets, not the named stack's",
    ),
    Patch(
        RestAPI,
        "create_from_cloudformation_json",
        classmethod(rest_api_body.create_rest_api),
        "an AWS::ApiGateway::RestApi required Name and ignored Body (SAM's swagger 2.0): "
        "its methods did not exist and its Deployment failed",
    ),
    Patch(
        CloudFormationResponse,
        "describe_change_set",
        change_set_reads.describe_change_set_response,
        "a change set not there was 'Stack with id NAME does not exist' (ValidationError), not "
        "ChangeSetNotFound, which the CDK CLI waits for after deleting its change set; a name "
        "was looked up across every stack",
    ),
    Patch(
        Role,
        "create_from_cloudformation_json",
        classmethod(iam_role.create_role),
        "a stack's role ignored ManagedPolicyArns and kept inline Policies as dicts, which "
        "moto's access control cannot read (KeyError 'policy_document' for its sessions)",
    ),
    Patch(
        Role,
        "update_from_cloudformation_json",
        classmethod(iam_role.update_role),
        "updating a stack's role changed only its description",
    ),
    Patch(
        Role,
        "delete_from_cloudformation_json",
        classmethod(iam_role.delete_role),
        "a stack's role with managed policies outlived its stack (DeleteConflict: moto deleted "
        "only its inline policies), and a named one collided with its next deploy",
    ),
    Patch(
        User,
        "update_from_cloudformation_json",
        classmethod(iam_user.update_user),
        "updating any property of a stack's user replaced it under the same name "
        "(EntityAlreadyExists): only UserName is create-only",
    ),
    *(
        Patch(
            IAMBackend,
            name,
            getattr(iam_role, name),
            "AWS managed policies (arn:aws:iam::aws:policy/...) did not exist unless all were "
            "loaded at start (MOTO_IAM_LOAD_MANAGED_POLICIES, about a second per account)",
        )
        for name in (
            "attach_role_policy",
            "attach_user_policy",
            "attach_group_policy",
            "get_policy",
        )
    ),
    *optional_properties.patches(),
    *dropped_properties.patches(),
    Patch(
        parsing.ResourceMap,
        "validate_outputs",
        attributes.validate_outputs,
        "Outputs reading an attribute AWS's type has and moto's model lacks (a subnet's "
        "SubnetId, a key's KeyId) were refused (the values: intrinsics.clean_json)",
    ),
)


def install() -> None:
    """Install every CloudFormation patch and the models moto lacks. Idempotent."""
    if patches.installed():
        return
    patches.apply(PATCHES)
    models.install()
