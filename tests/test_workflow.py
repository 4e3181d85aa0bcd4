"""Real Snakemake runs of a tiny config in a temporary directory."""

import csv
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from compchem.units import HARTREE_TO_EV

pytestmark = pytest.mark.workflow

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile")]


def run(args, cwd, check=True, timeout=900):
    # own process group: on a timeout the jobs Snakemake started are killed with it
    with subprocess.Popen(
        SNAKEMAKE + args,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as popen:
        try:
            out, err = popen.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(popen.pid, signal.SIGKILL)
            raise
    proc = subprocess.CompletedProcess(popen.args, popen.returncode, out, err)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {args} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def cli_table(config: str, cwd: Path) -> subprocess.CompletedProcess:
    """`compchem table` on the tiny level's records of a finished run."""
    command = [sys.executable, "-m", "compchem.cli", "--config", config, "table", "results/tiny/records"]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=True)


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


def job_counts(output: str) -> dict[str, int]:
    """Snakemake's 'Job stats' table as {rule: count}."""
    block = output.split("Job stats:")[1]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)\s*$", block, re.MULTILINE)}


def test_lint_and_dry_run_of_default_config(tmp_path):
    lint = subprocess.run(SNAKEMAKE + ["--lint"], cwd=ROOT, capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert "Congratulations, your workflow is in a good condition!" in lint.stdout + lint.stderr
    dry = run(["-n", "--cores", "2", "--directory", str(tmp_path)], ROOT)
    counts = job_counts(dry.stdout + dry.stderr)
    # Li_ion, imidazole, PDOL1 and the paper's four clusters; the clusters' poses are known only
    # once their builds (checkpoints) have run
    assert counts["build_structure"] == 7 and counts["optimize"] == 3 and counts["select_pose"] == 4


def dme_config(tmp_path: Path, data_dir: Path) -> dict:
    """The tiny config with Li+-DME as its only cluster, two poses kept by the search."""
    shutil.copy(data_dir / "ligands_empty.tsv", tmp_path)
    cfg = yaml.safe_load((data_dir / "tiny.yaml").read_text())
    cfg["ligands"] = [{"name": "DME", "smiles": "COCCOC", "charge": 0}]
    cfg["clusters"] = [{"name": "Li_DME", "ligands": ["DME"]}]
    cfg["build"] = {"n_conformers": 4, "n_candidates": 6, "ligand_candidates": 1, "n_poses": 2}
    return cfg


def screened_pose(tmp_path: Path, screening: str) -> int:
    """After a run of ``dme_config`` with pose screening at ``screening`` for level ``tiny``: both
    poses were computed and ranked there, the lowest was selected, and only it has a record at
    ``tiny``. Returns its index."""
    ranked = json.loads((tmp_path / f"results/{screening}/poses/Li_DME.json").read_text())
    assert ranked["n_poses"] == 2 and ranked["ranked_at_level"] == screening
    k = ranked["selected_pose"]
    energies = [p["energy_hartree"] for p in ranked["poses"]]
    assert energies[k] == min(energies)
    assert len(list((tmp_path / f"results/{screening}/records").glob("Li_DME.pose*.json"))) == 2
    fine = sorted(p.name for p in (tmp_path / "results/tiny/records").glob("Li_DME.pose*.json"))
    assert fine == [f"Li_DME.pose{k}.json"]
    return k


def test_end_to_end_tiny_config_and_incremental_rerun(tmp_path, data_dir):
    for name in ("tiny.yaml", "ligands_empty.tsv"):
        shutil.copy(data_dir / name, tmp_path / name)
    run(["--cores", "2", "--configfile", "tiny.yaml"], tmp_path)
    table = read_csv(tmp_path / "results/tiny/binding_energies.csv")
    assert [r["cluster"] for r in table] == ["Li_water_NH3"]
    row = table[0]
    # Reference: this workflow at B3LYP/STO-3G on 2026-11-25 (PySCF 2.14.0) gave 6.843 eV
    # (STO-3G overbinds strongly: large basis-set superposition error).
    assert float(row["E_bind_eV"]) == pytest.approx(6.843, abs=0.01)
    assert row["donor_contacts"] == "water:O1; ammonia:N1"
    assert row["all_converged"] == "True"
    assert (tmp_path / row["geometry_xyz"]).exists()
    for log in ("results/tiny/logs/Li_water_NH3.pose0.log", "results/logs/build/Li_water_NH3.log"):
        assert (tmp_path / log).stat().st_size > 0
    assert "opt step 1" in (tmp_path / "results/tiny/logs/Li_water_NH3.pose0.log").read_text()
    assert int(row["n_poses_dft"]) >= 1 and float(row["E_bind_spread_eV"]) >= 0
    # the plots, the cluster's picture and the run summary exist; `--report` collects them in one page
    for name in ("binding_energies.png", "binding_energies.svg", "structures/Li_water_NH3.png"):
        assert (tmp_path / "results/tiny/plots" / name).stat().st_size > 1000
    summary = (tmp_path / "results/tiny/summary.html").read_text()
    assert "Li_water_NH3" in summary and "<td>basis</td><td>sto-3g</td>" in summary
    run(["--cores", "1", "--configfile", "tiny.yaml", "--report", "report.html"], tmp_path)
    report = (tmp_path / "report.html").read_text()
    assert "binding_energies.png" in report and "Li_water_NH3.png" in report and "summary.html" in report

    # add a candidate: one ligand, one cluster -> only the new species are computed
    records = tmp_path / "results/tiny/records"
    before = {p.name: p.stat().st_mtime_ns for p in records.iterdir()}
    cfg = yaml.safe_load((tmp_path / "tiny.yaml").read_text())
    cfg["ligands"].append({"name": "methanol", "smiles": "CO", "charge": 0})
    cfg["clusters"].append({"name": "Li_MeOH", "ligands": ["methanol"]})
    (tmp_path / "more.yaml").write_text(yaml.safe_dump(cfg))
    dry = run(["-n", "--cores", "2", "--configfile", "more.yaml"], tmp_path)
    counts = job_counts(dry.stdout + dry.stderr)
    # methanol's build and optimization, Li_MeOH's build; its poses join once the build has run
    assert counts["build_structure"] == 2 and counts["optimize"] == 1 and counts["select_pose"] == 1
    assert counts["binding_table"] == 1
    run(["--cores", "2", "--configfile", "more.yaml"], tmp_path)
    after = {p.name: p.stat().st_mtime_ns for p in records.iterdir()}
    assert {k: after[k] for k in before} == before  # nothing finished was rewritten
    table = read_csv(tmp_path / "results/tiny/binding_energies.csv")
    assert [r["cluster"] for r in table] == ["Li_water_NH3", "Li_MeOH"]
    assert 2.0 < float(table[1]["E_bind_eV"]) < 6.0


def test_several_poses_go_to_dft_and_the_lowest_is_reported(tmp_path, data_dir):
    """Li+-DME at HF/STO-3G: the two lowest distinct xTB poses are optimized, the lowest energy is the
    cluster's record, and the table reports the spread over both. (HF, not the tiny config's B3LYP:
    the same code path at 40 % of the cost; this test took 6.5 min of CI with B3LYP.)"""
    cfg = dme_config(tmp_path, data_dir)
    cfg["levels"]["tiny"]["functional"] = "hf"
    (tmp_path / "dme.yaml").write_text(yaml.safe_dump(cfg))
    cfg["clusters"][0]["dft_poses"] = 1
    (tmp_path / "one.yaml").write_text(yaml.safe_dump(cfg))
    # first one pose; a finished run has nothing left to do (no table reruns without a change)
    run(["--cores", "2", "--configfile", "one.yaml"], tmp_path)
    idle = run(["-n", "--cores", "1", "--configfile", "one.yaml"], tmp_path)
    assert "Nothing to be done" in idle.stdout + idle.stderr
    plot = tmp_path / "results/tiny/plots/binding_energies.png"
    drawn = plot.stat().st_mtime_ns
    # then the second pose, asked for by the cluster's record alone (targets before --configfile):
    # the table written before read other content now and is planned again, no DFT with it ...
    run(["--cores", "2", "results/tiny/records/Li_DME.json", "--configfile", "dme.yaml"], tmp_path)
    dry = run(["-n", "--cores", "1", "--configfile", "dme.yaml"], tmp_path)
    counts = job_counts(dry.stdout + dry.stderr)
    assert counts["binding_table"] == 1 and "optimize" not in counts and "select_pose" not in counts
    # ... and the plots drawn from it follow in the same run, after which nothing is left
    run(["--cores", "2", "--configfile", "dme.yaml"], tmp_path)
    assert plot.stat().st_mtime_ns > drawn
    idle = run(["-n", "--cores", "1", "--configfile", "dme.yaml"], tmp_path)
    assert "Nothing to be done" in idle.stdout + idle.stderr
    poses = json.loads((tmp_path / "results/tiny/poses/Li_DME.json").read_text())
    assert poses["n_poses"] == 2
    energies = [p["energy_hartree"] for p in poses["poses"]]
    # two optimizations from different xTB poses (both chelating DME conformers; at STO-3G they may
    # relax to nearly the same minimum, so only the bookkeeping is asserted, not distinct energies)
    assert [p["species"] for p in poses["poses"]] == ["Li_DME.pose0", "Li_DME.pose1"]
    assert all(p["converged"] for p in poses["poses"])
    best = min(poses["poses"], key=lambda p: p["energy_hartree"])
    assert best["selected"] and poses["selected_pose"] == best["pose"]
    assert best["coordination_number"] == 2  # chelating DME wins at DFT as at xTB
    record = json.loads((tmp_path / "results/tiny/records/Li_DME.json").read_text())
    assert record["label"] == "Li_DME" and record["energy_hartree"] == best["energy_hartree"]
    row = read_csv(tmp_path / "results/tiny/binding_energies.csv")[0]
    assert int(row["n_poses_dft"]) == 2 and int(row["selected_pose"]) == best["pose"]
    assert row["poses_ranked_at_level"] == "tiny"
    spread = float(row["E_bind_spread_eV"])
    assert spread == pytest.approx(HARTREE_TO_EV * abs(energies[0] - energies[1]), abs=1e-3)
    assert float(row["preopt_best_minus_dft_best_eV"]) >= 0
    # the CLI selects from the same pose records and prints the same number
    cli = cli_table("dme.yaml", tmp_path)
    # cluster, E_bind_eV, paper_eV (blank here), poses, spread_eV, CN
    pattern = rf"^Li_DME\s+{float(row['E_bind_eV']):.3f}\s+2\s+{spread:.3f}\s+2\s"
    assert re.search(pattern, cli.stdout, re.MULTILINE), cli.stdout
    assert "<- selected" in cli.stdout


def test_pose_screening_at_the_preopt_level(tmp_path, data_dir):
    """pose_screening: preopt_level: both DME poses are optimized at the cheap level only, the lowest
    there goes on to the level itself (staged, reusing its cheap stage), and the table says where the
    poses were ranked."""
    cfg = dme_config(tmp_path, data_dir)
    cfg["pose_screening"] = "preopt_level"
    loose = {"energy_hartree": 1e-5, "grms_hartree_per_bohr": 1e-3, "gmax_hartree_per_bohr": 1.5e-3}
    hf = {"functional": "hf", "basis": "sto-3g", "density_fitting": False}  # HF: cheaper, same code path
    cfg["levels"] = {
        "rough": hf | {"opt_maxsteps": 60} | {f"opt_convergence_{k}": v for k, v in loose.items()},
        "tiny": hf | {"opt_maxsteps": 60} | {"preopt_level": "rough", "opt_initial_hessian": "preopt"},
    }
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(cfg))
    run(["--cores", "2", "--configfile", "s.yaml"], tmp_path)
    k = screened_pose(tmp_path, "rough")
    record = json.loads((tmp_path / "results/tiny/records/Li_DME.json").read_text())
    assert record["level"]["name"] == "tiny" and record["label"] == "Li_DME"
    # the staged optimization's first stage is the screening record itself (same content hash)
    stage1 = record["extra"]["stages"][0]
    rough_record = json.loads((tmp_path / f"results/rough/records/Li_DME.pose{k}.json").read_text())
    assert stage1["spec_hash"] == rough_record["spec_hash"]
    # ... and stage 2 started from the Hessian that screening job left in the cache
    assert record["extra"]["stages"][1]["initial_hessian"] == f"preopt ({stage1['spec_hash'][:12]})"
    row = read_csv(tmp_path / "results/tiny/binding_energies.csv")[0]
    assert row["poses_ranked_at_level"] == "rough" and int(row["n_poses_dft"]) == 2
    assert int(row["selected_pose"]) == k and float(row["E_bind_spread_eV"]) >= 0


def test_pose_screening_at_another_level(tmp_path, data_dir):
    """pose_screening {tiny: screen}: both DME poses get the cheap single point (HF/STO-3G at their
    GFN2-xTB minima), only the lowest there gets the level's own (HF/3-21G at the same minimum)."""
    cfg = dme_config(tmp_path, data_dir)
    hf = {"functional": "hf", "density_fitting": False, "geometry_level": "gfn2"}
    cfg["levels"] = {
        "gfn2": {"backend": "xtb", "functional": "GFN2-xTB"},
        "screen": hf | {"basis": "sto-3g"},
        "tiny": hf | {"basis": "3-21g"},
    }
    cfg["pose_screening"] = {"tiny": "screen"}
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(cfg))
    run(["--cores", "2", "--configfile", "s.yaml"], tmp_path)
    k = screened_pose(tmp_path, "screen")
    record = json.loads((tmp_path / "results/tiny/records/Li_DME.json").read_text())
    screened = json.loads((tmp_path / f"results/screen/records/Li_DME.pose{k}.json").read_text())
    # one GFN2-xTB minimum under both single points (the same cached minimization)
    geometry_hashes = {r["extra"]["composite"]["geometry_spec_hash"] for r in (record, screened)}
    assert len(geometry_hashes) == 1
    assert record["coordinates_angstrom"] == screened["coordinates_angstrom"]
    assert record["extra"]["composite"]["notation"] == "tiny//gfn2" and record["label"] == "Li_DME"
    assert record["energy_hartree"] != screened["energy_hartree"]
    row = read_csv(tmp_path / "results/tiny/binding_energies.csv")[0]
    assert row["poses_ranked_at_level"] == "screen" and int(row["selected_pose"]) == k


def test_bad_config_fails_before_any_job(tmp_path, data_dir):
    shutil.copy(data_dir / "ligands_empty.tsv", tmp_path)
    cfg = yaml.safe_load((data_dir / "tiny.yaml").read_text())
    cfg["clusters"].append({"name": "Li_x", "ligands": ["unobtainium"]})
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(cfg))
    proc = run(["--cores", "1", "--configfile", "bad.yaml"], tmp_path, check=False)
    assert proc.returncode != 0
    assert "cluster 'Li_x' names unknown ligand(s) ['unobtainium']" in proc.stderr + proc.stdout
    assert not (tmp_path / "results").exists()


def test_thermo_and_counterpoise_columns(tmp_path, data_dir):
    """Frequencies, ZPE/H/G and counterpoise through the workflow, for Li+-H2O at STO-3G."""
    shutil.copy(data_dir / "ligands_empty.tsv", tmp_path)
    cfg = yaml.safe_load((data_dir / "tiny.yaml").read_text())
    cfg["clusters"] = [{"name": "Li_water", "ligands": ["water"]}]
    cfg["thermo"] = {"frequencies": True, "counterpoise": True, "temperature_scan_k": [298.15, 333.15]}
    (tmp_path / "t.yaml").write_text(yaml.safe_dump(cfg))
    run(["--cores", "2", "--configfile", "t.yaml"], tmp_path)
    row = read_csv(tmp_path / "results/tiny/binding_energies.csv")[0]
    # the temperature scan: the 298.15 K point is the table's dG, and binding weakens with T
    scan = read_csv(tmp_path / "results/tiny/thermo_temperatures.csv")
    assert [(r["name"], r["kind"], float(r["temperature_K"])) for r in scan] == [
        ("Li_water", "binding", 298.15),
        ("Li_water", "binding", 333.15),
    ]
    assert float(scan[0]["dG_eV"]) == pytest.approx(float(row["dG_bind_eV"]), abs=1.1e-4)
    assert float(scan[1]["dG_eV"]) < float(scan[0]["dG_eV"])
    e_bind, zpe, dh, dg = (float(row[k]) for k in ("E_bind_eV", "E_bind_ZPE_eV", "dH_bind_eV", "dG_bind_eV"))
    assert zpe < e_bind  # zero-point energy of the new Li-O modes weakens the bond
    assert dg < dh  # association loses entropy: binding free energy below binding enthalpy
    assert float(row["BSSE_eV"]) > 0
    assert float(row["E_int_CP_eV"]) < float(row["E_int_frozen_eV"])
    assert float(row["E_deformation_eV"]) >= 0
    assert row["all_minima"] == "True"
    # the CLI's table of finished records shows the same thermochemistry and counterpoise numbers
    cli = cli_table("t.yaml", tmp_path)
    assert f"dG_bind_eV {row['dG_bind_eV']}" in cli.stdout and f"BSSE_eV {row['BSSE_eV']}" in cli.stdout
    thermo = json.loads((tmp_path / "results/tiny/thermo/Li_water.json").read_text())
    assert thermo["n_imaginary"] == 0 and len(thermo["frequencies"]["frequencies_cm1"]) == 6
    # composite: thermal corrections from another level (here the same functional/basis on a finer
    # grid), added to the run level's electronic energies, in their own folder next to thermo/
    cfg["levels"]["tiny_g3"] = {**cfg["levels"]["tiny"], "grid_level": 3}
    cfg["thermo"]["frequencies_level"] = "tiny_g3"
    (tmp_path / "t.yaml").write_text(yaml.safe_dump(cfg))
    proc = run(["--cores", "2", "--configfile", "t.yaml"], tmp_path)
    counts = job_counts(proc.stdout + proc.stderr)
    assert counts["thermo"] == 3 and "optimize" not in counts
    composite = json.loads((tmp_path / "results/tiny/thermo_tiny_g3/Li_water.json").read_text())
    assert composite["composite"] and composite["frequencies_level"] == "tiny_g3"
    record = json.loads((tmp_path / "results/tiny/records/Li_water.json").read_text())
    assert composite["electronic_energy_hartree"] == record["energy_hartree"]  # the run level's
    assert json.loads((tmp_path / "results/tiny/thermo/Li_water.json").read_text()) == thermo  # kept
    row2 = read_csv(tmp_path / "results/tiny/binding_energies.csv")[0]
    assert row2["frequencies_level"] == "tiny_g3" and row2["E_bind_eV"] == row["E_bind_eV"]
    assert float(row2["E_bind_ZPE_eV"]) == pytest.approx(zpe, abs=0.02)
    assert (
        "harmonic frequencies at level 'tiny_g3'"
        in (tmp_path / "results/tiny/binding_energies.md").read_text()
    )
    # implicit-solvent single points (thermo.solvent) at the gas-phase geometries: only new jobs run
    cfg["thermo"]["solvent"] = {"name": "DOL", "model": "ddcosmo", "eps": 7.1}
    (tmp_path / "t.yaml").write_text(yaml.safe_dump(cfg))
    proc = run(["--cores", "2", "--configfile", "t.yaml"], tmp_path)
    counts = job_counts(proc.stdout + proc.stderr)
    assert counts["solvent_single_point"] == 3 and "optimize" not in counts and "thermo" not in counts
    solv = json.loads((tmp_path / "results/tiny/solvent_DOL/Li_water.json").read_text())
    assert solv["gas_energy_hartree"] == record["energy_hartree"] and solv["solvation_energy_hartree"] < 0
    row3 = read_csv(tmp_path / "results/tiny/binding_energies.csv")[0]
    assert row3["solvent"] == "DOL: ddcosmo eps=7.1" and row3["E_bind_eV"] == row["E_bind_eV"]
    assert 0 < float(row3["E_bind_solv_eV"]) < float(row3["E_bind_eV"])  # the bare Li+ gains most
    # free energy in the solvent: gas-phase dG + solvation energies + 1 atm -> 1 mol/L for the one
    # molecule the dissociation gains (k_B T ln(24.46 L/mol) = 0.0822 eV at 298.15 K)
    solv_shift = float(row3["E_bind_solv_eV"]) - float(row3["E_bind_eV"])
    assert float(row3["dG_bind_solv_eV"]) == pytest.approx(
        float(row3["dG_bind_eV"]) + solv_shift + 0.0822, abs=3e-4
    )
    assert "IMPLICIT SOLVENT (DOL" in (tmp_path / "results/tiny/binding_energies.md").read_text()
    # switching counterpoise off changes the tables only: no frequency or solvent job reruns
    cfg["thermo"]["counterpoise"] = False
    (tmp_path / "t.yaml").write_text(yaml.safe_dump(cfg))
    proc = run(["--cores", "2", "--configfile", "t.yaml", "--dry-run"], tmp_path)
    counts = job_counts(proc.stdout + proc.stderr)
    assert "binding_table" in counts and not {"thermo", "solvent_single_point", "optimize"} & set(counts)
