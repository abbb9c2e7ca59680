"""The packaged CloudFormation template of a stage (`make package`: build/package/<stage>), read as Lambda would be
configured by it, for the packaged rehearsal (infra/local/packaged.py, docs/rehearsal.md).

Every function's handler, runtime, memory, timeout, reserved concurrency, code artifact, layers, Function URL and
environment; the SQS event source mappings and the schedules that invoke functions; the SSM parameters each
function's role may read. Intrinsic functions (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split,
Fn::ImportValue, Fn::Base64, `{{resolve:ssm:...}}`) are resolved against a `References` that binds the template's
resources to the local stack. A reference the local stack cannot bind is an error that names the function, the
setting and the reference: that is the point of the rehearsal, not something to paper over.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TEMPLATE_FILE = "cloudformation-template-update-stack.json"
STATE_FILE = "serverless-state.json"
LOCAL_ACCOUNT = "123456789012"  # moto's account
_DYNAMIC = re.compile(r"\{\{resolve:([a-z-]+):([^}]+)\}\}")
_SUB = re.compile(r"\$\{([^}!][^}]*)\}")


class TemplateError(Exception):
    """The template asks for something the local stack cannot give (or that cannot work anywhere)."""


@dataclass(frozen=True)
class Physical:
    """One resource as the local stack made it: what Ref answers, and its attributes for Fn::GetAtt."""

    ref: str
    attributes: Mapping[str, str] = field(default_factory=dict)


@dataclass
class References:
    """How the template's names resolve locally: pseudo parameters, resources, other stacks' exports, SSM."""

    region: str
    stack_name: str
    resources: dict[str, Physical] = field(default_factory=dict)
    exports: dict[str, str] = field(default_factory=dict)
    ssm: Callable[[str], str] | None = None  # `{{resolve:ssm:name[:version]}}`
    account: str = LOCAL_ACCOUNT

    def pseudo(self, name: str) -> str | None:
        return {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": self.stack_name,
            "AWS::StackId": f"arn:aws:cloudformation:{self.region}:{self.account}:stack/{self.stack_name}/local",
        }.get(name)

    def ref(self, name: str) -> str:
        value = self.pseudo(name)
        if value is not None:
            return value
        if name in self.resources:
            return self.resources[name].ref
        raise TemplateError(f"Ref {name}: no such resource in the local stack")

    def get_att(self, name: str, attribute: str) -> str:
        physical = self.resources.get(name)
        if physical is None:
            raise TemplateError(f"Fn::GetAtt {name}.{attribute}: no such resource in the local stack")
        if attribute not in physical.attributes:
            raise TemplateError(f"Fn::GetAtt {name}.{attribute}: the local {name} has no attribute {attribute}")
        return physical.attributes[attribute]


def resolve(value: Any, refs: References) -> Any:
    """`value` with every intrinsic function evaluated (strings, lists and plain objects come back as they are)."""
    if isinstance(value, str):
        return _dynamic(value, refs)
    if isinstance(value, list):
        return [resolve(item, refs) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((key, argument),) = value.items()
        if key == "Ref":
            return refs.ref(argument)
        if key == "Fn::GetAtt":
            name, attribute = argument.split(".", 1) if isinstance(argument, str) else argument
            return refs.get_att(name, resolve(attribute, refs))
        if key == "Fn::Join":
            separator, items = argument
            return str(separator).join(str(item) for item in resolve(items, refs))
        if key == "Fn::Sub":
            return _sub(argument, refs)
        if key == "Fn::Select":
            index, items = resolve(argument, refs)
            return items[int(index)]
        if key == "Fn::Split":
            separator, text = resolve(argument, refs)
            return str(text).split(separator)
        if key == "Fn::Base64":
            return base64.b64encode(str(resolve(argument, refs)).encode()).decode()
        if key == "Fn::ImportValue":
            name = resolve(argument, refs)
            if name not in refs.exports:
                raise TemplateError(f"Fn::ImportValue {name}: no stack exports it locally")
            return refs.exports[name]
        if key.startswith("Fn::") or key == "Condition":
            raise TemplateError(f"{key} is not supported by the local rehearsal")
    return {key: resolve(item, refs) for key, item in value.items()}


def _sub(argument: Any, refs: References) -> str:
    text, variables = (argument, {}) if isinstance(argument, str) else (argument[0], resolve(argument[1], refs))

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in variables:
            return str(variables[name])
        if "." in name and refs.pseudo(name) is None:
            resource, attribute = name.split(".", 1)
            return refs.get_att(resource, attribute)
        return refs.ref(name)

    return _dynamic(_SUB.sub(replace, text).replace("${!", "${"), refs)


def _dynamic(text: str, refs: References) -> str:
    def replace(match: re.Match[str]) -> str:
        service, reference = match.groups()
        if service != "ssm":  # ssm-secure and secretsmanager are not allowed in a Lambda environment either
            raise TemplateError(f"{{{{resolve:{service}:...}}}} cannot be resolved into a Lambda environment")
        if refs.ssm is None:
            raise TemplateError(f"{{{{resolve:ssm:{reference}}}}}: the local stack has no SSM")
        return refs.ssm(reference)

    return _DYNAMIC.sub(replace, text)


# ---------------------------------------------------------------------------------------------------- the stage
@dataclass(frozen=True)
class EventSource:
    """An AWS::Lambda::EventSourceMapping: which queue feeds which function, and how."""

    queue: str  # the queue's logical id
    function: str
    batch_size: int
    batching_window_seconds: int
    partial_batch_response: bool
    maximum_concurrency: int | None


@dataclass(frozen=True)
class Schedule:
    """An AWS::Events::Rule with a schedule expression invoking a function."""

    expression: str
    function: str
    enabled: bool


@dataclass(frozen=True)
class PackagedFunction:
    name: str  # the function's name in serverless.yml (`lottery-purchase`)
    function_name: str  # its deployed name (`luckymart-dev-lottery-purchase`)
    logical_id: str
    handler: str
    runtime: str
    architectures: tuple[str, ...]
    memory_mb: int
    timeout_seconds: int
    reserved_concurrency: int | None
    code_artifact: str  # the zip file in the package folder
    layers: tuple[Any, ...]  # unresolved: {"Ref": <layer resource>} or an ARN
    environment: Mapping[str, Any]  # unresolved template values
    has_url: bool
    snap_start: bool
    tracing: bool
    role_statements: tuple[Mapping[str, Any], ...]

    def resolved_environment(self, refs: References) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, value in self.environment.items():
            try:
                out[name] = str(resolve(value, refs))
            except TemplateError as error:
                raise TemplateError(f"{self.name}: environment {name}: {error}") from None
        return out

    def may_read_parameter(self, parameter_arn: str, refs: References) -> bool:
        return self.allows("ssm:GetParameter", parameter_arn, refs)

    def allows(self, action: str, resource: str, refs: References) -> bool:
        """IAM as evaluated for one action on one resource by the function's role: an explicit Deny wins, else any
        Allow (actions match case-insensitively, both may use wildcards)."""
        allowed = False
        for statement in self.role_statements:
            actions = statement.get("Action", [])
            actions = [actions] if isinstance(actions, str) else actions
            if not any(fnmatch.fnmatchcase(action.lower(), pattern.lower()) for pattern in actions):
                continue
            resources = resolve(statement.get("Resource", []), refs)
            resources = [resources] if isinstance(resources, str) else resources
            if any(fnmatch.fnmatchcase(resource, pattern) for pattern in resources):
                if statement.get("Effect") == "Deny":
                    return False
                allowed = True
        return allowed


@dataclass(frozen=True)
class PackagedStage:
    folder: Path
    stage: str
    service: str
    region: str
    resources: Mapping[str, Any]
    functions: Mapping[str, PackagedFunction]
    event_sources: tuple[EventSource, ...]
    schedules: tuple[Schedule, ...]

    @property
    def stack_name(self) -> str:
        return f"{self.service}-{self.stage}"

    def artifact(self, s3_key: str) -> Path:
        """The zip of an S3 key the template names (osls writes each next to the template)."""
        path = self.folder / s3_key.rsplit("/", 1)[-1]
        if not path.is_file():
            raise TemplateError(f"artifact {s3_key} is not in {self.folder}")
        return path

    def layer_artifact(self, layer: Any) -> Path | str:
        """The zip of one of the stage's own layers, or the ARN of a layer published elsewhere."""
        if isinstance(layer, dict) and set(layer) == {"Ref"}:
            resource = self.resources.get(layer["Ref"], {})
            if resource.get("Type") != "AWS::Lambda::LayerVersion":
                raise TemplateError(f"layer {layer['Ref']} is not a layer of this template")
            return self.artifact(resource["Properties"]["Content"]["S3Key"])
        if isinstance(layer, str):
            return layer
        raise TemplateError(f"layer {json.dumps(layer)} is neither a layer of this template nor an ARN")


def load_stage(folder: Path) -> PackagedStage:
    """Reads build/package/<stage> (the template and osls's state file)."""
    template_path, state_path = folder / TEMPLATE_FILE, folder / STATE_FILE
    if not template_path.is_file() or not state_path.is_file():
        raise TemplateError(f"{folder} holds no packaged stage: run `make package` (scripts/package.sh) first")
    template = json.loads(template_path.read_text())
    state = json.loads(state_path.read_text())["service"]
    resources: dict[str, Any] = template["Resources"]
    stage, service = state["provider"]["stage"], state["service"]
    prefix = f"{service}-{stage}-"
    by_logical: dict[str, str] = {}
    with_url = {
        _target_logical_id(r["Properties"]["TargetFunctionArn"])
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::Url"
    }
    functions: dict[str, PackagedFunction] = {}
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::Lambda::Function":
            continue
        props = resource["Properties"]
        function_name = props["FunctionName"]
        if not function_name.startswith(prefix):
            raise TemplateError(f"{logical_id}: function name {function_name} lacks the prefix {prefix}")
        name = function_name[len(prefix) :]
        by_logical[logical_id] = name
        role = resources.get(_target_logical_id(props.get("Role")), {}).get("Properties", {})
        statements = [s for policy in role.get("Policies", []) for s in policy["PolicyDocument"]["Statement"]]
        functions[name] = PackagedFunction(
            name=name,
            function_name=function_name,
            logical_id=logical_id,
            handler=props["Handler"],
            runtime=props["Runtime"],
            architectures=tuple(props.get("Architectures", ["x86_64"])),
            memory_mb=int(props.get("MemorySize", 128)),
            timeout_seconds=int(props.get("Timeout", 3)),
            reserved_concurrency=props.get("ReservedConcurrentExecutions"),
            code_artifact=props["Code"]["S3Key"],
            layers=tuple(props.get("Layers", [])),
            environment=props.get("Environment", {}).get("Variables", {}),
            has_url=logical_id in with_url,
            snap_start=props.get("SnapStart", {}).get("ApplyOn") == "PublishedVersions",
            tracing=props.get("TracingConfig", {}).get("Mode") == "Active",
            role_statements=tuple(statements),
        )
    event_sources = tuple(
        EventSource(
            queue=_target_logical_id(props["EventSourceArn"]),
            function=by_logical[_target_logical_id(props["FunctionName"])],
            batch_size=int(props.get("BatchSize", 10)),
            batching_window_seconds=int(props.get("MaximumBatchingWindowInSeconds", 0)),
            partial_batch_response="ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
            maximum_concurrency=props.get("ScalingConfig", {}).get("MaximumConcurrency"),
        )
        for props in (
            r["Properties"] for r in resources.values() if r["Type"] == "AWS::Lambda::EventSourceMapping"
        )
        if props.get("Enabled", True)
    )
    schedules = tuple(
        Schedule(
            props["ScheduleExpression"], by_logical[_target_logical_id(target["Arn"])], props["State"] == "ENABLED"
        )
        for props in (r["Properties"] for r in resources.values() if r["Type"] == "AWS::Events::Rule")
        if "ScheduleExpression" in props
        for target in props.get("Targets", [])
    )
    return PackagedStage(
        folder=folder,
        stage=stage,
        service=service,
        region=state["provider"]["region"],
        resources=resources,
        functions=functions,
        event_sources=event_sources,
        schedules=schedules,
    )


def _properties(resources: Mapping[str, Any], kind: str) -> list[Mapping[str, Any]]:
    return [r["Properties"] for r in resources.values() if r["Type"] == kind]


def _target_logical_id(value: Any) -> str:
    """The logical id behind {"Fn::GetAtt": [id, "Arn"]} or {"Ref": id}."""
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        return str(target.split(".", 1)[0] if isinstance(target, str) else target[0])
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    raise TemplateError(f"expected a Ref or Fn::GetAtt, found {json.dumps(value)}")


def rate_seconds(expression: str) -> float:
    """rate(1 minute) -> 60.0 (cron expressions are not scheduled locally)."""
    match = re.fullmatch(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)", expression.strip())
    if match is None:
        raise TemplateError(f"schedule {expression}: only rate(...) expressions are scheduled locally")
    unit = {"minute": 60, "hour": 3600, "day": 86400}[match.group(2).rstrip("s")]
    return float(int(match.group(1)) * unit)
