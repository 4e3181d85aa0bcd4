"""Finished stays finished on a new machine: a fresh copy of the repository, with no Snakemake
metadata and file times set by checkout order, plans no job for the committed results."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.workflow

ROOT = Path(__file__).resolve().parents[1]
NOTHING = "Nothing to be done"


def tracked_files() -> list[str]:
    """The files a clone of this repository holds, in git's (sorted) checkout order."""
    if not (ROOT / ".git").exists():
        raise AssertionError("this test needs the git checkout of the project (it copies what git tracks)")
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return sorted(p for p in out.decode().split("\0") if p and (ROOT / p).is_file())


def stamp_in_order(root: Path, files: list[str]) -> None:
    """File times that rise along ``files``, one millisecond apart (a checkout writes in some order)."""
    start = 1_700_000_000_000_000_000
    for i, name in enumerate(files):
        t = start + i * 1_000_000
        os.utime(root / name, ns=(t, t))


def dry_run(clone: Path, *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--cores", "2", *args],
        cwd=clone,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout + proc.stderr


def test_a_fresh_clone_plans_no_job_for_committed_results(tmp_path):
    files = tracked_files()
    clone = tmp_path / "clone"
    for name in files:
        (clone / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, clone / name)
    assert not (clone / ".snakemake").exists()
    # git's order (sorted paths: results/<level>/... before results/structures/, scripts last), then
    # the reverse (every input newer than every output): neither may make a finished job run again
    for order in (files, files[::-1]):
        stamp_in_order(clone, order)
        for overlay in ([], ["--configfile", "workflow/config/screening.yaml"]):
            out = dry_run(clone, *overlay)
            assert NOTHING in out, f"fresh clone {overlay} plans jobs:\n{out[-3000:]}"
    # a dry run writes nothing the repository tracks
    changed = [n for n in files if (clone / n).read_bytes() != (ROOT / n).read_bytes()]
    assert changed == []
