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


def test_composite_gaussian_single_point_at_the_pyscf_geometry(workdir):
    """B//A with B a Gaussian level: PySCF optimizes at A, the Gaussian input is B's single point at
    that geometry, and the parsed output becomes the composite record. The fake g16 prints the recorded
    single point dvb_sp.out, which Gaussian ran at its own B3LYP/STO-3G minimum (the energy of the last
    step of dvb_gopt.out). A starts there, so PySCF's minimum at A lies next to it and a real g16 at
    that geometry gives the same energy within the record check's 2e-5 Ha."""
    from compchem.io.gaussian_output import parse_gaussian_output

    bin_dir = workdir / "bin"
    bin_dir.mkdir()
    with gzip.open(DATA / "gaussian" / "dvb_sp.out.gz", "rt") as handle:
        recorded = handle.read()
    (workdir / "recorded_sp.out").write_text(recorded)
    minimum = parse_gaussian_output(recorded)
    rows = [
        f"{s} {x:.8f} {y:.8f} {z:.8f}"
        for s, (x, y, z) in zip(minimum.symbols, minimum.coordinates_angstrom, strict=True)
    ]
    (workdir / "dvb_min.xyz").write_text(
        f"{len(rows)}\ndvb at Gaussian's B3LYP/STO-3G minimum\n" + "\n".join(rows) + "\n"
    )
    fake = bin_dir / "g16"
    fake.write_text(f"#!/bin/sh\ncat > /dev/null\ncat {workdir / 'recorded_sp.out'}\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    cfg = config("g16 < {input} > {output}")
    cfg["ligands"][0]["geometry"] = "dvb_min.xyz"
    # A: PySCF B3LYP/STO-3G with density fitting on a coarse grid (cheap; its minimum is all B needs)
    cfg["levels"]["pyscf_sto"] = {"basis": "sto-3g", "density_fitting": True, "grid_level": 1}
    cfg["levels"]["g16sp"] = {"energy_level": "g16", "geometry_level": "pyscf_sto"}
    cfg["run_levels"] = ["g16sp"]
    (workdir / "c.yaml").write_text(yaml.safe_dump(cfg))
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}")
    args = [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"), "--cores", "1"]
    target = "results/g16sp/records/dvb.json"
    proc = subprocess.run(
        args + [target, "--configfile", "c.yaml"], cwd=workdir, capture_output=True, text=True, env=env
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    gjf = (workdir / "results/g16sp/gaussian/dvb.gjf").read_text()
    assert "#p B3LYP/STO-3G 5D 7F SCF=Tight Int=UltraFine" in gjf  # a single point: no Opt
    geometry = json.loads((workdir / "results/pyscf_sto/records/dvb.json").read_text())
    first_atom = geometry["coordinates_angstrom"][0]
    assert " ".join(f"{x:14.8f}" for x in first_atom) in gjf  # at the PySCF minimum
    record = check_record(workdir / target)
    assert record["coordinates_angstrom"] == geometry["coordinates_angstrom"]
    assert record["n_opt_steps"] == geometry["n_opt_steps"] and record["converged"]
    assert record["extra"]["composite"]["notation"] == "g16//pyscf_sto"
    assert record["extra"]["composite"]["single_point_program"] == "gaussian"
    # PySCF's minimum is Gaussian's to within a few thousandths of an Angstrom
    moved = max(
        abs(a - b)
        for ra, rb in zip(geometry["coordinates_angstrom"], minimum.coordinates_angstrom, strict=True)
        for a, b in zip(ra, rb, strict=True)
    )
    assert moved < 0.02
