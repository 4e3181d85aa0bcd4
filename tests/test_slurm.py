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
SUBMITTED_RULES = {"build_structure", "optimize", "binding_table", "render_structure"}


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

    table_csv = tmp_path / "results/tiny/binding_energies.csv"
    assert table_csv.exists(), f"snakemake exit 0 without the table:\n{output[-20000:]}"
    table = list(csv.DictReader(io.StringIO(table_csv.read_text())))
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


def test_scancel_mid_optimization_then_resume(local_slurm, tmp_path):
    """scancel of a running DFT job (SLURM sends SIGTERM, then SIGKILL after its KillWait): the job
    ends at an intact checkpoint, and the rerun resumes from it instead of starting again."""
    import json

    import yaml
    from test_fault_injection import CONFIG, checkpoint_steps, unfinished_logs

    shutil.copy(ROOT / "tests" / "data" / "ligands_empty.tsv", tmp_path)
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(CONFIG))
    base = [
        *(sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"), "--configfile", "c.yaml")
    ]
    slurm = [
        *("--profile", str(PROFILE), "--jobs", "2", "--set-threads", "optimize=1"),
        *("--slurm-init-seconds-before-status-checks", "5", "--slurm-status-command", "squeue"),
        *("--retries", "0"),
    ]
    proc = subprocess.Popen(
        ["timeout", "-k", "10", "600", *base, *slurm, "results/t/records/Li_DME.pose0.json"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 500
    while checkpoint_steps(tmp_path, "Li_DME.pose0") < 3:
        assert proc.poll() is None, "the workflow ended before its optimization could be cancelled"
        assert time.monotonic() < deadline, "no checkpoint with 3 steps in time"
        time.sleep(0.5)
    # the only job running now is the optimization (its build finished before it started)
    queue = subprocess.run(
        ["squeue", "-h", "-t", "RUNNING", "-o", "%i"], capture_output=True, text=True, timeout=30
    ).stdout
    running = queue.split()
    assert len(running) == 1, queue
    subprocess.run(["scancel", *running], check=True, timeout=30)
    output, _ = proc.communicate(timeout=300)
    print(output[-5000:])
    assert not (tmp_path / "results/t/records/Li_DME.pose0.json").exists()
    stopped_at = checkpoint_steps(tmp_path, "Li_DME.pose0")  # an intact checkpoint: it parses
    assert stopped_at >= 3
    kept = unfinished_logs(tmp_path)
    print("kept log of the cancelled run:\n" + kept[-2000:])
    # SLURM's SIGTERM reached the job's Python process: it stopped there and said so
    assert "stopped by SIGTERM" in kept

    subprocess.run([*base, "--unlock"], cwd=tmp_path, check=True, capture_output=True, timeout=120)
    rerun = subprocess.run(
        [*base, "--cores", "2", "results/t/records/Li_DME.pose0.json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    log = (tmp_path / "results/t/logs/Li_DME.pose0.log").read_text()
    assert f"resuming optimization from checkpoint after {stopped_at} steps" in log
    record = json.loads((tmp_path / "results/t/records/Li_DME.pose0.json").read_text())
    assert record["converged"] and record["extra"]["resumed_from_step"] == stopped_at
