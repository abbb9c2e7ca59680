"""`make deploy` runs preflight before anything else and stops on a ✘: here the example prod stage (placeholders,
no AWS credentials) is refused before the layer is built or osls is started (a stand-in `npx` records any call)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.support_deploy import ROOT

pytestmark = pytest.mark.unit


def test_make_deploy_refuses_to_start_on_a_failed_preflight(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    called = tmp_path / "npx-called"
    (bin_dir / "npx").write_text(f"#!/bin/sh\ntouch {called}\n")
    (bin_dir / "npx").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "MAKEFLAGS"}
    env.update(
        PATH=f"{bin_dir}:{env['PATH']}",
        HOME=str(tmp_path),  # no ~/.aws: no credentials of any kind
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
    )
    result = subprocess.run(
        ["make", "-s", "-o", "deps", "deploy", "STAGE=prod"],  # -o deps: this checkout is already installed
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode != 0
    assert "checks failed" in result.stdout and "do not deploy" in result.stdout, result.stdout + result.stderr
    assert "✘ no placeholder" in result.stdout
    assert "✘ secrets" in result.stdout and "NoCredentialsError" in result.stdout  # SSM unreadable
    assert not called.exists()  # osls never started
    assert "build_layer" not in result.stdout + result.stderr
