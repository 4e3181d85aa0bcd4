"""The Gaussian path of the workflow end to end: write input -> run -> parse -> record.

Only the process is faked: a `g16` script on PATH that copies the recorded real Gaussian 16 output
of a divinylbenzene B3LYP/STO-3G optimization (tests/data/gaussian/dvb_gopt.out.gz). The workflow
calls it exactly as it would call Gaussian, so the test passes unchanged with a real g16: the
optimization from the same start (dvb_start.xyz, the output's first geometry) reaches the minimum
whose energy Gaussian printed, `SCF Done:  E(RB3LYP) =  -382.308266602` (last step).
"""

import gzip
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.workflow

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
TARGET = "results/g16/records/dvb.json"


def config(command):
    return {
        "ligand_sheet": "ligands_empty.tsv",
        "ligands": [{"name": "dvb", "smiles": "C=Cc1ccc(C=C)cc1", "geometry": "dvb_start.xyz"}],
        "levels": {"g16": {"backend": "gaussian", "basis": "sto-3g"}},
        "run_levels": ["g16"],
        "clusters": [],
        "exchanges": [],
        "gaussian": {"command": command},
    }


def snakemake(cwd, configfile, extra_path=None):
    env = dict(os.environ)
    if extra_path:
        env["PATH"] = f"{extra_path}:{env['PATH']}"
    args = [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"), "--cores", "1"]
    return subprocess.run(
        args + [TARGET, "--configfile", configfile], cwd=cwd, capture_output=True, text=True, env=env
    )


@pytest.fixture
def workdir(tmp_path):
    shutil.copy(DATA / "ligands_empty.tsv", tmp_path)
    shutil.copy(DATA / "gaussian" / "dvb_start.xyz", tmp_path)
    with gzip.open(DATA / "gaussian" / "dvb_gopt.out.gz", "rt") as handle:
        (tmp_path / "recorded.out").write_text(handle.read())
    return tmp_path


def check_record(path):
    record = json.loads(path.read_text())
    assert record["program"] == "gaussian" and record["converged"] is True
    assert record["energy_hartree"] == pytest.approx(-382.308266602, abs=2e-5)
    assert record["symbols"][:5] == ["C"] * 5 and len(record["symbols"]) == 20
    assert record["level"]["backend"] == "gaussian"
    return record


def test_fake_g16_on_path(workdir):
    bin_dir = workdir / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "g16"
    # reads the input from stdin like Gaussian, prints the recorded output
    fake.write_text(f"#!/bin/sh\ncat > /dev/null\ncat {workdir / 'recorded.out'}\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    (workdir / "c.yaml").write_text(yaml.safe_dump(config("g16 < {input} > {output}")))
    proc = snakemake(workdir, "c.yaml", bin_dir)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    gjf = (workdir / "results/g16/gaussian/dvb.gjf").read_text()
    assert "#p B3LYP/STO-3G 5D 7F Opt SCF=Tight Int=UltraFine" in gjf
    assert "%chk=dvb.chk" in gjf
    record = check_record(workdir / TARGET)
    assert record["n_opt_steps"] == 5  # "Step number   5 out of a maximum of  100"


def test_without_command_stops_with_instructions_and_resumes(workdir):
    (workdir / "c.yaml").write_text(yaml.safe_dump(config(None)))
    proc = snakemake(workdir, "c.yaml")
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "no Gaussian command is configured" in out
    gjf = workdir / "results/g16/gaussian/dvb.gjf"
    assert gjf.exists() and f"g16 < {gjf}" in out
    # the user runs Gaussian elsewhere and puts the output in place: the rerun parses it
    shutil.copy(workdir / "recorded.out", workdir / "results/g16/gaussian/dvb.out")
    proc = snakemake(workdir, "c.yaml")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    check_record(workdir / TARGET)
