"""The tiny workflow submitted to a real one-node SLURM cluster on localhost.

tests/slurm/local_slurm.sh installs Debian's SLURM and munge packages and starts the daemons (root only);
Snakemake runs with the SLURM profile of workflow/profiles/slurm, so every rule is an sbatch job.
"""

import csv
import importlib.util
import io
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.workflow, pytest.mark.slurm, pytest.mark.xdist_group("slurm")]

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tests" / "slurm" / "local_slurm.sh"
PROFILE = ROOT / "workflow" / "profiles" / "slurm"
SLURMCTLD_LOG = Path("/var/log/slurm/slurmctld.log")
#: Rules that run as SLURM jobs (the target rule `all` has nothing to run and stays local).
SUBMITTED_RULES = {"build_structure", "optimize", "binding_table", "plots", "render_structure"}


def skip(reason: str):
    print(f"\nSKIPPED test_slurm: {reason}")
    pytest.skip(reason)


def script(command: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(SCRIPT), command], capture_output=True, text=True, timeout=900)
    print(f"\n$ {SCRIPT.relative_to(ROOT)} {command}  (exit {proc.returncode})\n{proc.stdout}{proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def local_slurm():
    """A running one-node SLURM cluster for this module; stopped afterwards."""
    if os.geteuid() != 0:
        skip(f"not running as root (uid {os.geteuid()}): starting a local SLURM cluster needs root")
    if shutil.which("apt-get") is None:
        skip("apt-get not found: the local SLURM cluster is installed from Debian packages")
    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        skip("snakemake_executor_plugin_slurm is not importable: pip install -e '.[test]'")
    proc = script("start")
    if proc.returncode == 4:
        skip("the SLURM and munge packages could not be installed with apt-get (see the output above)")
    if proc.returncode != 0:
        script("stop")
        pytest.fail(f"local_slurm.sh start failed with exit code {proc.returncode}")
    yield
    stop = script("stop")
    assert stop.returncode == 0, "local_slurm.sh stop failed"


def job_counts(output: str) -> dict[str, int]:
    """Snakemake's first 'Job stats' table as {rule: count}."""
    block = output.split("Job stats:")[1].split("\ntotal")[0]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)\s*$", block, re.MULTILINE)}


def rule_of_job(output: str) -> dict[str, str]:
    """{snakemake job id: rule} from the job headers 'rule NAME:' (or 'localrule', 'checkpoint') ...
    'jobid: N'."""
    jobs = {}
    for block in re.split(r"^\[.*\]\s*$", output, flags=re.MULTILINE):
        rule = re.search(r"^(?:local)?(?:rule|checkpoint) (\w+):$", block, re.MULTILINE)
        jobid = re.search(r"^\s+jobid: (\d+)$", block, re.MULTILINE)
        if rule and jobid:
            jobs[jobid.group(1)] = rule.group(1)
    return jobs


def test_tiny_workflow_runs_through_slurm(local_slurm, tmp_path, data_dir):
    for name in ("tiny.yaml", "ligands_empty.tsv"):
        shutil.copy(data_dir / name, tmp_path / name)
    log_offset = SLURMCTLD_LOG.stat().st_size if SLURMCTLD_LOG.exists() else 0
    # timeout -k: after SIGTERM snakemake waits for its SLURM jobs forever, so KILL follows.
    # squeue: no slurmdbd here, sacct cannot answer (slurm.conf keeps finished jobs for MinJobAge=600 s).
    # optimize on 1 core: the test node has only nproc CPUs; the profile asks for 8.
    cmd = [
        *("timeout", "-k", "10", "600"),
        *(sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile")),
        *("--configfile", "tiny.yaml", "--profile", str(PROFILE), "--jobs", "4"),
        *("--slurm-init-seconds-before-status-checks", "5", "--slurm-status-command", "squeue"),
        *("--slurm-keep-successful-logs", "--set-threads", "optimize=1"),
    ]
    print("\n$ " + " ".join(cmd))
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=660)
    wall = time.monotonic() - start
    output = proc.stdout + proc.stderr
    print(f"snakemake exit {proc.returncode} after {wall:.0f} s")
    assert proc.returncode == 0, f"snakemake failed (exit {proc.returncode}):\n{output[-20000:]}"

    table = list(csv.DictReader(io.StringIO((tmp_path / "results/tiny/binding_energies.csv").read_text())))
    assert [r["cluster"] for r in table] == ["Li_water_NH3"]
    # Same reference as tests/test_workflow.py: B3LYP/STO-3G gives 6.843 eV when run locally.
    assert float(table[0]["E_bind_eV"]) == pytest.approx(6.843, abs=0.01)
    assert table[0]["all_converged"] == "True"

    # Signal 1: Snakemake reports a SLURM job id for every job of every rule that does work.
    # (counted from the job headers: a cluster's DFT poses join the DAG only after its build, a
    # checkpoint, so the first 'Job stats' table cannot list them)
    rules = rule_of_job(output)
    expected: dict[str, int] = {}
    for rule in rules.values():
        if rule in SUBMITTED_RULES:
            expected[rule] = expected.get(rule, 0) + 1
    assert set(expected) == SUBMITTED_RULES, job_counts(output)
    assert expected["optimize"] == 4  # Li+, water, ammonia and the cluster's one distinct pose
    submitted = dict(re.findall(r"Job (\d+) has been submitted with SLURM jobid (\d+)", output))
    per_rule: dict[str, list[str]] = {}
    for job, slurm_id in submitted.items():
        per_rule.setdefault(rules[job], []).append(slurm_id)
    assert {rule: len(ids) for rule, ids in per_rule.items()} == expected, output[-20000:]
    slurm_ids = set(submitted.values())
    print(f"SLURM job ids: { {rule: sorted(ids, key=int) for rule, ids in per_rule.items()} }")

    # Signal 2: the plugin's per-job SLURM logs, one <slurm id>.log per job under rule_<rule>/.
    logdir = tmp_path / ".snakemake" / "slurm_logs"
    for rule, ids in per_rule.items():
        logs = {p.stem: p for p in (logdir / f"rule_{rule}").rglob("*.log")}
        for slurm_id in ids:
            assert slurm_id in logs, f"no SLURM log of job {slurm_id} ({rule}) under {logdir}"
            assert logs[slurm_id].stat().st_size > 0

    # Signal 3: slurmctld accepted and finished each job with exit status 0.
    ctld_log = SLURMCTLD_LOG.read_bytes()[log_offset:].decode(errors="replace")
    for slurm_id in slurm_ids:
        assert re.search(rf"_slurm_rpc_submit_batch_job: JobId={slurm_id}\b", ctld_log), slurm_id
        assert re.search(rf"_job_complete: JobId={slurm_id} WEXITSTATUS 0\b", ctld_log), slurm_id

    # Signal 4: the controller still knows the jobs (MinJobAge): completed, run in this directory.
    for slurm_id in slurm_ids:
        show = subprocess.run(
            ["scontrol", "show", "job", slurm_id], capture_output=True, text=True, timeout=30
        ).stdout
        assert "JobState=COMPLETED" in show, show
        assert f"WorkDir={tmp_path}" in show, show
