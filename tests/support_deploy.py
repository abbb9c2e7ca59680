"""Helpers for the deployment tests: the packaged CloudFormation template of a stage (built by `make package`,
or here when it is missing or older than its sources) and readable views of its functions and IAM policies."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIR = ROOT / "build" / "package"
LAYER_DIR = ROOT / "build" / "layer" / "python"
SERVICE = "luckymart"
TEMPLATE_SOURCES = (
    "serverless.yml",
    "package-lock.json",
    "infra/serverless/luckymart-plugin.js",
    "infra/serverless/frontdoor.js",
    "infra/serverless/frontdoor-router.js",
    "infra/serverless/observability.js",
)


def stages() -> list[str]:
    return sorted(path.stem for path in (ROOT / "config").glob("*.yml"))


def stage_config(stage: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "config" / f"{stage}.yml").read_text())
    return loaded


def package_dir(stage: str) -> Path:
    """build/package/<stage>, packaged again when a source of the template or of the zips is newer than it."""
    template = PACKAGE_DIR / stage / "cloudformation-template-update-stack.json"
    sources = [ROOT / name for name in TEMPLATE_SOURCES] + [ROOT / "config" / f"{stage}.yml"]
    sources += [*(ROOT / "functions").glob("*/*.py"), *(ROOT / "layers").rglob("*.py")]  # the two zips
    if not template.exists() or template.stat().st_mtime < max(path.stat().st_mtime for path in sources):
        subprocess.run([str(ROOT / "scripts" / "package.sh"), stage], cwd=ROOT, check=True, capture_output=True)
    return PACKAGE_DIR / stage


@dataclass(frozen=True)
class Function:
    name: str  # e.g. "auth-telegram"
    logical_id: str
    properties: dict[str, Any]

    @property
    def role_id(self) -> str:
        role: str = self.properties["Role"]["Fn::GetAtt"][0]
        return role

    @property
    def environment(self) -> dict[str, Any]:
        variables: dict[str, Any] = self.properties.get("Environment", {}).get("Variables", {})
        return variables


class Template:
    def __init__(self, stage: str) -> None:
        self.stage = stage
        self.dir = package_dir(stage)
        self.raw_text = (self.dir / "cloudformation-template-update-stack.json").read_text()
        self.body: dict[str, Any] = json.loads(self.raw_text)
        self.resources: dict[str, dict[str, Any]] = self.body["Resources"]

    def of_type(self, kind: str) -> dict[str, dict[str, Any]]:
        return {key: value for key, value in self.resources.items() if value["Type"] == kind}

    @property
    def functions(self) -> dict[str, Function]:
        prefix = f"{SERVICE}-{self.stage}-"
        found = {}
        for logical_id, resource in self.of_type("AWS::Lambda::Function").items():
            properties = resource["Properties"]
            name = properties["FunctionName"].removeprefix(prefix)
            found[name] = Function(name, logical_id, properties)
        return found

    def function_of(self, target: Any) -> str:
        """The function logical id a permission, URL or mapping points at (directly or through an alias)."""
        if isinstance(target, dict) and "Fn::GetAtt" in target:
            return str(target["Fn::GetAtt"][0])
        if isinstance(target, dict) and "Fn::Join" in target:  # "<function arn>:<alias>" (SnapStart)
            return self.function_of(target["Fn::Join"][1][0])
        if isinstance(target, dict) and "Ref" in target:
            referenced = self.resources[target["Ref"]]
            if referenced["Type"] == "AWS::Lambda::Alias":
                return self.function_of(referenced["Properties"]["FunctionName"])
            return str(target["Ref"])
        raise AssertionError(f"unexpected function reference {target!r}")

    def statements(self, role_id: str) -> list[dict[str, Any]]:
        role = self.resources[role_id]
        return [
            statement
            for policy in role["Properties"].get("Policies", [])
            for statement in policy["PolicyDocument"]["Statement"]
        ]

    def grants(self, role_id: str) -> set[tuple[str, str]]:
        """(action, rendered resource) pairs an IAM role allows."""
        pairs = set()
        for statement in self.statements(role_id):
            assert statement["Effect"] == "Allow"
            for action in as_list(statement["Action"]):
                for resource in as_list(statement["Resource"]):
                    pairs.add((action, render(resource)))
        return pairs


@cache
def template(stage: str) -> Template:
    return Template(stage)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def render(value: Any) -> str:
    """An intrinsic-function value as a readable string: Ref X → {X}, GetAtt X.Arn → {X.Arn}."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return "{" + value["Ref"] + "}"
    if "Fn::GetAtt" in value:
        return "{" + ".".join(value["Fn::GetAtt"]) + "}"
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(render(part) for part in parts)
    if "Fn::Sub" in value:
        return str(value["Fn::Sub"]).replace("${", "{")
    raise AssertionError(f"cannot render {value!r}")
