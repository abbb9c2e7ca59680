"""luckymart.lazy_package: a package whose __init__ is deferred still behaves like the package — its submodules
import without the __init__, and its own names appear (the __init__ runs once) on first use. Each case runs in a
fresh interpreter: the point is what gets imported."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support_deploy import ROOT

pytestmark = pytest.mark.unit

PACKAGE = {
    "__init__.py": "import pkg_side_effect\nfrom .sub import VALUE\nRUNS = pkg_side_effect.count()\n",
    "sub.py": "VALUE = 42\n",
    "other.py": "from lazypkg import sub\nOTHER = sub.VALUE + 1\n",
}
SIDE_EFFECT = "calls = []\ndef count():\n    calls.append(1)\n    return len(calls)\n"


def run(tmp_path: Path, code: str) -> str:
    (tmp_path / "lazypkg").mkdir(exist_ok=True)
    for name, text in PACKAGE.items():
        (tmp_path / "lazypkg" / name).write_text(text)
    (tmp_path / "pkg_side_effect.py").write_text(SIDE_EFFECT)
    paths = [str(tmp_path), str(ROOT / "layers/shared/python"), str(ROOT)]
    prelude = f"import sys\nsys.path[:0] = {paths!r}\nfrom luckymart.lazy_package import defer_init\n"
    done = subprocess.run(
        [sys.executable, "-c", prelude + code], capture_output=True, text=True, check=False, env=dict(os.environ)
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_submodules_import_without_the_init(tmp_path: Path) -> None:
    out = run(
        tmp_path,
        "defer_init('lazypkg')\n"
        "from lazypkg.other import OTHER\n"
        "from lazypkg import sub\n"  # a submodule by name: still no __init__
        "print(OTHER, sub.VALUE, 'pkg_side_effect' in sys.modules)",
    )
    assert out == "43 42 False"


def test_the_packages_own_names_run_the_init_once(tmp_path: Path) -> None:
    out = run(
        tmp_path,
        "defer_init('lazypkg')\n"
        "import lazypkg.sub, lazypkg\n"
        "from lazypkg import VALUE\n"
        "print(VALUE, lazypkg.RUNS, lazypkg.RUNS, sys.modules['pkg_side_effect'].calls)\n"
        "try:\n    lazypkg.missing\nexcept AttributeError as exc:\n    print(exc)",
    )
    assert out.splitlines() == ["42 1 1 [1]", "module 'lazypkg' has no attribute 'missing'"]


def test_an_imported_package_is_left_alone(tmp_path: Path) -> None:
    out = run(
        tmp_path, "import lazypkg\ndefer_init('lazypkg')\nprint(lazypkg.RUNS, sys.modules['lazypkg'] is lazypkg)"
    )
    assert out == "1 True"


def test_a_user_function_imports_neither_asyncio_nor_other_resolvers() -> None:
    code = (
        "import sys\n"
        f"sys.path[:0] = [{str(ROOT / 'layers/shared/python')!r}, {str(ROOT)!r}]\n"
        "import functions.validate_session.handler\n"
        "print(sorted(m for m in sys.modules if m == 'asyncio' or m.startswith("
        "('aws_lambda_powertools.event_handler.appsync', 'aws_lambda_powertools.event_handler.bedrock'))))\n"
        "import aws_lambda_powertools.event_handler as package\n"
        "print(package.AppSyncResolver.__name__)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[]", "AppSyncResolver"]
