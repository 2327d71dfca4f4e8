"""Create or refresh the virtualenv that runs the real Nova for tests.

Usage: python tests/integration/nova/ensure_venv.py [--venv PATH] [--check]

The virtualenv (default: <repo>/.nova-venv) gets Python 3.11 and the
packages of requirements.txt beside this script, pinned by constraints.txt.
A marker file in the virtualenv holds a hash of both files, so a second run
with nothing changed returns at once; any change reinstalls.
With --check it changes nothing and exits 1 unless the virtualenv is
complete and current.
"""

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
REQUIREMENTS = os.path.join(HERE, "requirements.txt")
# requirements.txt refers to this one; both decide what gets installed.
CONSTRAINTS = os.path.join(HERE, "constraints.txt")
DEFAULT_VENV = os.path.join(REPO, ".nova-venv")
MARKER = ".hahealer-requirements.sha256"
PYTHON_VERSION = (3, 11)
# Importing this proves that Nova, Placement and the test fixtures load.
SMOKE_IMPORT = (
    "import nova.tests.functional.integrated_helpers, "
    "placement.tests.functional.fixtures.placement"
)


class SetupError(Exception):
    """A step failed; the message says what to do about it."""


def log(message):
    print(f"ensure_venv: {message}", flush=True)


def requirements_hash():
    digest = hashlib.sha256()
    for path in (REQUIREMENTS, CONSTRAINTS):
        with open(path, "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()


def venv_python(venv):
    return os.path.join(venv, "bin", "python")


def find_base_python():
    """Return a Python 3.11 interpreter to build the virtualenv from."""
    if sys.version_info[:2] == PYTHON_VERSION:
        return sys.executable
    name = "python%d.%d" % PYTHON_VERSION
    found = shutil.which(name)
    if not found:
        raise SetupError(f"{name} is not on PATH; install Python 3.11")
    return found


def python_version(python):
    out = subprocess.run(
        [python, "-c", "import sys; print(*sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        return None
    return tuple(int(part) for part in out.stdout.split())


def run(cmd, env=None):
    log("$ " + " ".join(cmd))
    if subprocess.run(cmd, env=env, check=False).returncode != 0:
        raise SetupError(f"command failed: {' '.join(cmd)}")


def is_current(venv):
    marker = os.path.join(venv, MARKER)
    if not (os.path.exists(marker) and os.path.exists(venv_python(venv))):
        return False
    with open(marker) as f:
        return f.read().strip() == requirements_hash()


def ensure(venv):
    if is_current(venv):
        log(f"{venv} is up to date")
        return
    marker = os.path.join(venv, MARKER)
    python = venv_python(venv)

    if os.path.exists(venv) and python_version(python) != PYTHON_VERSION:
        if not os.path.exists(os.path.join(venv, "pyvenv.cfg")):
            raise SetupError(f"{venv} exists and is not a virtualenv")
        log(f"{venv} is not a usable Python 3.11 virtualenv; recreating it")
        shutil.rmtree(venv)
    if not os.path.exists(venv):
        base = find_base_python()
        log(f"creating {venv} with {base}")
        run([base, "-m", "venv", venv])

    # A half-finished install must not look complete on the next run.
    if os.path.exists(marker):
        os.remove(marker)
    started = time.monotonic()
    run([python, "-m", "pip", "install", "--upgrade", "pip"])
    run([python, "-m", "pip", "install", "-r", REQUIREMENTS])
    # In the concurrency mode server.py uses (native threads).
    smoke_env = dict(os.environ, OS_NOVA_DISABLE_EVENTLET_PATCHING="1")
    run([python, "-c", SMOKE_IMPORT], env=smoke_env)
    with open(marker, "w") as f:
        f.write(requirements_hash() + "\n")
    log(f"installed in {time.monotonic() - started:.0f} s; {venv} is ready")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--venv",
        default=DEFAULT_VENV,
        help="virtualenv to create or refresh (default: %(default)s)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="only report whether the virtualenv is complete and current",
    )
    args = parser.parse_args(argv)
    venv = os.path.abspath(args.venv)
    try:
        if args.check:
            if is_current(venv):
                log(f"{venv} is up to date")
                return 0
            log(f"{venv} is missing or out of date")
            return 1
        ensure(venv)
    except (SetupError, OSError) as exc:
        print(f"ensure_venv: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
