"""Kill -9 a real workflow in the middle of a DFT optimization, rerun, and get the same table.

The cluster starts from the raw geometric placement (no xTB pre-optimization) so its
optimization takes many steps; the test kills the whole Snakemake process group once the
checkpoint holds at least three steps. HF/STO-3G keeps each step at 1-3 s on an idle machine (B3LYP,
used before, cost 2.5x as much per step: the test's two full workflow runs took 8 min of CI).
"""

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from compchem.jobs import kept_log
from compchem.records import Cache

pytestmark = pytest.mark.workflow

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
CONFIG = {
    "ligand_sheet": "ligands_empty.tsv",
    "ligands": [{"name": "DME", "smiles": "COCCOC"}],
    "clusters": [{"name": "Li_DME", "ligands": ["DME"]}],
    "exchanges": [],
    "levels": {"t": {"functional": "hf", "basis": "sto-3g", "density_fitting": False, "opt_maxsteps": 200}},
    "run_levels": ["t"],
    "build": {"n_conformers": 2, "n_candidates": 1, "ligand_candidates": 1, "preopt_method": "none"},
}


def snakemake_args(*extra):
    return [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(ROOT / "Snakefile"),
        "--cores",
        "2",
        *extra,
        "--configfile",
        "c.yaml",
    ]


def prepare(path: Path) -> Path:
    path.mkdir()
    shutil.copy(DATA / "ligands_empty.tsv", path)
    (path / "c.yaml").write_text(yaml.safe_dump(CONFIG))
    return path


def table(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((path / "results/t/binding_energies.csv").read_text())))


def checkpoint_steps(path: Path, label: str) -> int:
    for file in (path / "results/cache").glob("*/*.checkpoint.json"):
        try:
            data = json.loads(file.read_text())
        except (json.JSONDecodeError, OSError):
            continue
        if data.get("label") == label:
            return len(data["history"])
    return 0


def unfinished_logs(path: Path) -> str:
    return "".join(f.read_text(errors="replace") for f in (path / "results/cache").glob("*/*.unfinished.log"))


def test_kill_mid_optimization_then_resume(tmp_path):
    # the uninterrupted reference run
    ref = prepare(tmp_path / "ref")
    subprocess.run(snakemake_args(), cwd=ref, check=True, capture_output=True, timeout=900)
    ref_record = json.loads((ref / "results/t/records/Li_DME.json").read_text())
    assert ref_record["n_opt_steps"] >= 6, "the test needs an optimization long enough to interrupt"

    run = prepare(tmp_path / "run")
    proc = subprocess.Popen(
        snakemake_args(),
        cwd=run,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.time() + 600
    while checkpoint_steps(run, "Li_DME.pose0") < 3 or "opt step 3 " not in unfinished_logs(run):
        # (the running job's log is copied to the cache every LOG_COPY_INTERVAL_S = 10 s)
        assert proc.poll() is None, "the workflow finished before it could be interrupted"
        assert time.time() < deadline
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)  # snakemake and its job, at once, like a node failure
    proc.wait()
    killed_at = checkpoint_steps(run, "Li_DME.pose0")
    assert not (run / "results/t/records/Li_DME.json").exists()
    finished = {p.name: p.stat().st_mtime_ns for p in (run / "results/t/records").glob("*.json")}

    subprocess.run(snakemake_args("--unlock"), cwd=run, check=True, capture_output=True)
    rerun = subprocess.run(snakemake_args(), cwd=run, capture_output=True, text=True, timeout=900)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    log = (run / "results/t/logs/Li_DME.pose0.log").read_text()
    assert f"resuming optimization from checkpoint after {killed_at} steps" in log
    # the killed run's log survives Snakemake emptying the job log: both runs, in order
    assert log.count("==== run started") == 2
    assert log.index("opt step 3 ") < log.index("resuming optimization from checkpoint")
    assert unfinished_logs(run) == ""  # handed over, not left behind
    record = json.loads((run / "results/t/records/Li_DME.json").read_text())
    assert record["extra"]["resumed_from_step"] == killed_at
    # resumed, not restarted: the killed run's steps are kept, and the first new step goes on downhill
    # from the checkpointed geometry instead of starting again at the build's energy. How many steps
    # the rest takes is not asserted: the checkpoint carries geomeTRIC's Hessian and trust radius as they
    # were when the last gradient came in, before geomeTRIC judged that step, so the resumed path can
    # differ (HF/STO-3G here: 3 + 17 steps against 17 uninterrupted; 3 + 18 before the Hessian got
    # its update with the last gradient)
    energies = [h["energy_hartree"] for h in record["history"]]
    assert energies[:killed_at] == pytest.approx(
        [h["energy_hartree"] for h in ref_record["history"][:killed_at]]
    )
    assert energies[killed_at] < energies[killed_at - 1] + 1e-6
    assert abs(energies[killed_at] - energies[0]) > 1e-4
    # records finished before the kill were not rewritten
    assert {k: (run / "results/t/records" / k).stat().st_mtime_ns for k in finished} == finished
    # same table as the uninterrupted run (optimizer tolerance: 1e-6 Ha ~ 3e-5 eV; 4-decimal rounding)
    a, b = table(ref)[0], table(run)[0]
    assert float(b["E_bind_eV"]) == pytest.approx(float(a["E_bind_eV"]), abs=5e-4)
    # same donors (listed by distance: a symmetric chelate's two equal Li-O distances may swap order)
    assert sorted(b["donor_contacts"].split("; ")) == sorted(a["donor_contacts"].split("; "))


def test_kept_log_hands_interrupted_runs_to_the_finishing_run(tmp_path):
    cache, log, key = Cache(tmp_path / "cache"), tmp_path / "job.log", "ab" * 32
    log.write_text("run one: opt step 1\n")
    with pytest.raises(RuntimeError), kept_log(cache, key, str(log), interval_s=0.05):
        time.sleep(0.2)
        raise RuntimeError("killed")
    assert "run one" in cache.unfinished_log_path(key).read_text()
    log.write_text("run two: resuming\n")  # Snakemake empties the job log when it reruns the job
    with kept_log(cache, key, str(log), interval_s=0.05):
        pass
    text = log.read_text()
    assert text.count("==== run started") == 2 and text.index("run one") < text.index("run two")
    assert not cache.unfinished_log_path(key).exists()


def test_sigterm_mid_optimization_ends_at_a_checkpoint_and_the_rerun_resumes(tmp_path):
    """SIGTERM to the whole workflow, as SLURM sends it on scancel or at a time limit: the job ends
    inside Python with a line in its log saying so, the checkpoint is intact, and the rerun resumes."""
    run = prepare(tmp_path / "run")
    target = "results/t/records/Li_DME.pose0.json"  # the optimization only, not the whole table
    proc = subprocess.Popen(
        snakemake_args(target),
        cwd=run,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.time() + 600
    while checkpoint_steps(run, "Li_DME.pose0") < 3:
        assert proc.poll() is None, "the workflow finished before it could be interrupted"
        assert time.time() < deadline
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=120)
    assert not (run / target).exists()
    stopped_at = checkpoint_steps(run, "Li_DME.pose0")  # parses: an intact checkpoint
    assert stopped_at >= 3
    kept = unfinished_logs(run)
    assert "stopped by SIGTERM" in kept and "a rerun resumes from it" in kept

    subprocess.run(snakemake_args("--unlock"), cwd=run, check=True, capture_output=True)
    rerun = subprocess.run(snakemake_args(target), cwd=run, capture_output=True, text=True, timeout=900)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    log = (run / "results/t/logs/Li_DME.pose0.log").read_text()
    assert f"resuming optimization from checkpoint after {stopped_at} steps" in log
    assert log.index("stopped by SIGTERM") < log.index("resuming optimization from checkpoint")
    record = json.loads((run / target).read_text())
    assert record["converged"] and record["extra"]["resumed_from_step"] == stopped_at


def test_sigterm_inside_a_broad_except_still_stops_the_job():
    """The SIGTERM handler raises wherever the job is; an ``except Exception`` there (PySCF, geomeTRIC,
    or the optional Hessian checkpoint) must not swallow the stop and let the job run to its end (CI
    once saw an interrupted optimization finish and write its record)."""
    from compchem.jobs.common import script_errors

    swallowed = False
    with pytest.raises(SystemExit, match="stopped by SIGTERM"), script_errors():
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler runs here, in the main thread
        except Exception:
            swallowed = True
    assert not swallowed
