"""The package type-checks clean under the mypy configuration in pyproject.toml ([tool.mypy]).

mypy runs in a subprocess from the repository root, as CI and a developer would run it, so the test
checks the configuration that ships (files, overrides for the untyped scientific libraries) rather
than one of its own."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_clean():
    pytest.importorskip("mypy", reason="mypy is in the 'test' extra")
    proc = subprocess.run(
        [sys.executable, "-m", "mypy"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    output = proc.stdout + proc.stderr
    print(output)
    assert proc.returncode == 0, f"mypy found type errors:\n{output}"


def test_package_is_marked_typed():
    assert (ROOT / "compchem" / "py.typed").is_file()
