"""/var/runtime/bootstrap.py of the packaged rehearsal (docs/rehearsal.md): what the managed python3.12 runtime
runs in every execution environment. The interpreter starts with -S -E -s (no site-packages of its own, no
PYTHON* variables), so a module resolves only as it would on Lambda: the function's code (/var/task), the layers
(/opt/python/lib/python3.12/site-packages, then /opt/python) and this runtime folder (the Runtime Interface Client
and the AWS SDK). Then awslambdaric polls the Runtime API at AWS_LAMBDA_RUNTIME_API for invocations of _HANDLER.

Deliberately standalone (the standard library and awslambdaric only): it runs under Python 3.12 inside the
sandbox, never in the project's environment.
"""

import os
import site
import sys


def _lambda_sys_path() -> None:
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    task_root = os.environ["LAMBDA_TASK_ROOT"]
    for folder in ("/opt/python", f"/opt/python/lib/{version}/site-packages", task_root):
        sys.path.insert(0, folder)  # precedence: task root, layer site-packages, /opt/python
    for folder in (task_root, f"/opt/python/lib/{version}/site-packages", "/opt/python"):
        site.addsitedir(folder)  # their .pth files too
    os.environ.setdefault("PYTHONPATH", os.environ["LAMBDA_RUNTIME_DIR"])  # as the runtime documents it


def main() -> None:
    _lambda_sys_path()
    from awslambdaric import __main__ as ric

    ric.main([os.environ["LAMBDA_TASK_ROOT"], os.environ["_HANDLER"]])


if __name__ == "__main__":
    main()
