"""``setup.sh`` (issue 14): it finds a Python 3.11–3.13, says what to install when there is
none, and rebuilds a ``.venv`` made with a wrong or broken Python — run for real in a temp
copy of the script, with a PATH of stub Pythons and the few tools the script uses, no apt
(``P5KNN_SKIP_APT=1``) and no network: the copy installs a stub ``p5knn`` package whose
in-tree build backend needs nothing from PyPI."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
TOOLS = ("bash", "sh", "dirname", "head", "sed", "uname", "id", "rm", "cat", "ls")
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(sys.platform == "win32", reason="setup.sh is a bash script")]

BACKEND = '''"""An in-tree PEP 517/660 backend for the stub package: builds offline."""
import base64, hashlib, os, zipfile

NAME, VERSION = "p5knn", "0.0.0"


def _wheel(directory, files):
    dist = f"{NAME}-{VERSION}.dist-info"
    name = f"{NAME}-{VERSION}-py3-none-any.whl"
    files = dict(files)
    files[f"{dist}/METADATA"] = (f"Metadata-Version: 2.1\\nName: {NAME}\\nVersion: {VERSION}\\n"
                                 "Provides-Extra: test\\n")
    files[f"{dist}/WHEEL"] = ("Wheel-Version: 1.0\\nGenerator: stub\\nRoot-Is-Purelib: true\\n"
                              "Tag: py3-none-any\\n")
    record = []
    with zipfile.ZipFile(os.path.join(directory, name), "w") as archive:
        for path, text in files.items():
            data = text.encode()
            archive.writestr(path, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            record.append(f"{path},sha256={digest.decode()},{len(data)}")
        archive.writestr(f"{dist}/RECORD", "\\n".join(record + [f"{dist}/RECORD,,"]) + "\\n")
    return name


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _wheel(wheel_directory, {"p5knn/__init__.py": "__version__ = '0.0.0'\\n"})


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    return _wheel(wheel_directory, {"p5knn_stub.pth": os.path.abspath(".") + "\\n"})
'''
PYPROJECT = '''[build-system]
requires = []
build-backend = "stub_backend"
backend-path = ["."]

[project]
name = "p5knn"
version = "0.0.0"
'''


def _stub_python(path: Path, version: str) -> Path:
    """A ``python`` that answers every call by printing ``version`` (and makes nothing)."""
    path.write_text(f"#!/bin/sh\necho {version}\n")
    path.chmod(0o755)
    return path


def _real_python() -> Path:
    """The interpreter under this test run's venv (a supported version: it runs p5knn)."""
    return Path(getattr(sys, "_base_executable", sys.executable)).resolve()


@pytest.fixture
def sandbox(tmp_path):
    """(project folder, stub folder, environment): setup.sh copied next to a stub package;
    PATH = the stub folder (Pythons go there) and symlinks to the tools setup.sh uses."""
    project = tmp_path / "project"
    (project / "p5knn").mkdir(parents=True)
    shutil.copy(ROOT / "setup.sh", project / "setup.sh")
    (project / "pyproject.toml").write_text(PYPROJECT)
    (project / "stub_backend.py").write_text(BACKEND)
    (project / "p5knn" / "__init__.py").write_text("__version__ = '0.0.0-stub'\n")
    stubs, tools = tmp_path / "stubs", tmp_path / "tools"
    stubs.mkdir()
    tools.mkdir()
    for tool in TOOLS:
        found = shutil.which(tool)
        if found is None:
            pytest.skip(f"needs {tool}")
        (tools / tool).symlink_to(found)
    env = {"PATH": f"{stubs}:{tools}", "HOME": str(tmp_path), "P5KNN_SKIP_APT": "1",
           "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1", "LANG": "C.UTF-8"}
    return project, stubs, env


def _setup(project: Path, env: dict, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(project / "setup.sh")], cwd=project, text=True,
                          capture_output=True, timeout=600, env={**env, **extra})


def test_without_a_supported_python_it_says_what_to_install(sandbox):
    project, stubs, env = sandbox
    _stub_python(stubs / "python3", "3.10")
    out = _setup(project, env)
    assert out.returncode != 0 and out.stdout == ""
    assert "Traceback" not in out.stderr
    first = out.stderr.splitlines()[0]
    assert "p5knn needs Python 3.11, 3.12 or 3.13" in first
    assert "python3: 3.10" in first and "python3.11: not found" in first
    assert "sudo apt install python3.11 python3.11-venv" in out.stderr
    assert "brew install python@3.12" in out.stderr and "PYTHON=" in out.stderr
    assert not (project / ".venv").exists()
    # PYTHON= names the only interpreter tried: a too-old or too-new one is refused the same way
    for version in ("3.10", "3.14"):
        chosen = _stub_python(stubs / f"mypython{version}", version)
        out = _setup(project, env, PYTHON=str(chosen))
        assert out.returncode != 0
        assert f"{chosen}: {version}" in out.stderr.splitlines()[0], out.stderr
        assert not (project / ".venv").exists()


def _wrong_venv(kind: str, project: Path, stubs: Path) -> str:
    """A .venv as an older setup.sh left it: made with Python 3.10, or broken."""
    venv = project / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "stale-marker").write_text("from the old venv")
    if kind == "made with 3.10":
        _stub_python(venv / "bin" / "python", "3.10")
        return "it was made with Python 3.10"
    (venv / "bin" / "python").symlink_to(stubs / "gone" / "python3.11")   # dangling
    return "its Python does not run"


@pytest.mark.parametrize("kind", ["made with 3.10", "broken"])
def test_a_venv_made_with_a_wrong_or_broken_python_is_rebuilt(sandbox, kind):
    project, stubs, env = sandbox
    real = _real_python()
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    (stubs / f"python{version}").symlink_to(real)
    _stub_python(stubs / "python3", "3.10")            # what python3 means: not used
    reason = _wrong_venv(kind, project, stubs)
    out = _setup(project, env)
    assert out.returncode == 0, out.stderr[-3000:]
    rebuilt = next(line for line in out.stderr.splitlines() if "rebuilding .venv" in line)
    assert f"rebuilding .venv: {reason}" in rebuilt
    assert rebuilt.endswith(f"; using python{version} ({version})")
    assert "missing: xvfb xauth default-jre-headless" in out.stderr    # said, not installed
    assert f"p5knn 0.0.0-stub ready in {project / '.venv'} with Python {version}" in out.stdout
    assert "next: .venv/bin/p5knn demo" in out.stdout
    assert not (project / ".venv" / "stale-marker").exists()
    made = subprocess.run([str(project / ".venv" / "bin" / "python"), "-c",
                           ("import sys; print(sys.prefix != sys.base_prefix, "
                           "'%d.%d' % sys.version_info[:2])")],
                          capture_output=True, text=True, timeout=60)
    assert made.stdout.split() == ["True", version]
    # a good .venv is kept: the second run rebuilds nothing
    (project / ".venv" / "kept-marker").write_text("")
    again = _setup(project, env)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "rebuilding" not in again.stderr
    assert (project / ".venv" / "kept-marker").exists()
    # PYTHON= of another supported version rebuilds it with that one
    other = "3.13" if version != "3.13" else "3.12"
    fake = stubs / f"python{other}"
    _stub_python(fake, other)
    out = _setup(project, env, PYTHON=str(fake))
    assert f"rebuilding .venv: it has Python {version} and PYTHON={fake} is {other}" in out.stderr
    assert out.returncode != 0 and "could not make a venv" in out.stderr
    assert not (project / ".venv").exists()
