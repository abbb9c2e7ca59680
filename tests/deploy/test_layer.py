"""The built layer (build/layer, `make package`): Python 3.12 bytecode that Lambda uses as it is, and enough on
its own to import every handler — checked in a Python 3.12 interpreter that sees only the layer and functions/."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.support_deploy import LAYER_DIR, ROOT, package_dir, stages

pytestmark = pytest.mark.unit

PYC_FLAGS_UNCHECKED_HASH = 0b01  # PEP 552: hash-based, source not checked


@pytest.fixture(scope="module")
def layer() -> Path:
    package_dir(stages()[0])  # builds the layer too when the package is stale
    assert LAYER_DIR.is_dir()
    return LAYER_DIR


@pytest.fixture(scope="module")
def python312() -> str:
    found = subprocess.run(
        [str(ROOT / "scripts" / "find_python312.sh")], capture_output=True, text=True, check=True
    )
    return found.stdout.strip()


def test_every_module_has_unchecked_hash_bytecode_for_python312(layer: Path) -> None:
    sources = list(layer.rglob("*.py"))
    assert len(sources) > 100
    missing, checked = [], []
    for source in sources:
        pyc = source.parent / "__pycache__" / f"{source.stem}.cpython-312.pyc"
        if not pyc.exists():
            missing.append(source)
            continue
        flags = int.from_bytes(pyc.read_bytes()[4:8], "little")
        if flags != PYC_FLAGS_UNCHECKED_HASH:
            checked.append(pyc)
    assert not missing, missing[:5]
    assert not checked, checked[:5]


IMPORT_ALL = """
import importlib, sys
sys.path[:0] = [{layer!r}, {root!r}]
for module in {modules!r}:
    importlib.import_module(module)
leaked = sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore'))
print('ok', len(sys.modules), leaked)
"""


def test_every_handler_imports_with_only_the_layer_on_python312(layer: Path, python312: str) -> None:
    modules = sorted(f"functions.{p.parent.name}.handler" for p in (ROOT / "functions").glob("*/handler.py"))
    code = IMPORT_ALL.format(layer=str(layer), root=str(ROOT), modules=modules)
    # -I: no user site, no PYTHONPATH; -S: no site-packages — the layer is all there is (like /opt/python).
    result = subprocess.run(
        [python312, "-I", "-S", "-c", code],
        capture_output=True,
        text=True,
        cwd=layer,
        env={"PATH": "/usr/bin:/bin", "AWS_REGION": "eu-central-1"},
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("ok"), result.stdout
    assert result.stdout.rstrip().endswith("[]"), "a handler imports boto3 at cold start"


def test_the_layer_holds_no_test_environment(layer: Path) -> None:
    top = {path.name.split("-")[0].lower() for path in layer.iterdir()}
    assert not top & {"pytest", "moto", "boto3", "botocore", "mypy", "ruff", "psycopg"}, top


def test_ssl_cert_dir_is_certifis_bundle_as_an_openssl_hashed_directory(layer: Path) -> None:
    # serverless.yml points every function's SSL_CERT_DIR at it (/opt/python is where Lambda unpacks the layer)
    declared = yaml.safe_load((ROOT / "serverless.yml").read_text())["provider"]["environment"]["SSL_CERT_DIR"]
    certs = layer / declared.removeprefix("/opt/python/")
    files = sorted(certs.iterdir())
    assert len(files) == (layer / "certifi" / "cacert.pem").read_text().count("-----BEGIN CERTIFICATE-----")
    assert all(f.is_file() and not f.is_symlink() and re.fullmatch(r"[0-9a-f]{8}\.\d", f.name) for f in files)
    for cert in files[:: max(1, len(files) // 8)]:  # OpenSSL finds an issuer by the hash of its subject
        found = subprocess.run(
            ["openssl", "x509", "-subject_hash", "-noout", "-in", str(cert)],
            capture_output=True,
            text=True,
            check=True,
        )
        assert cert.name.split(".")[0] == found.stdout.strip()
