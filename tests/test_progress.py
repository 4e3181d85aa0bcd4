"""`compchem progress`: the state of every optimization of a config, read from real build files,
records and checkpoints (real GFN2-xTB builds and B3LYP/STO-3G optimizations of Li+ and water)."""

import json

import pytest

from compchem.analysis.counterpoise import counterpoise_single_points
from compchem.backends.base import run_cached
from compchem.cli import main
from compchem.config import build_plan
from compchem.errors import ConvergenceError
from compchem.jobs import build_structure_job, counterpoise_job, optimize_job
from compchem.models import Resources
from compchem.progress import (
    counterpoise_progress,
    format_counterpoise_progress,
    format_progress,
    plan_progress,
)
from compchem.records import Cache, read_record

pytestmark = pytest.mark.dft


def tiny_plan(tmp_path):
    sheet = tmp_path / "ligands.tsv"
    sheet.write_text("name\tsmiles\tcharge\tdescription\nwater\tO\t0\tw\n")
    return build_plan(
        {
            "ligand_sheet": str(sheet),
            "clusters": [{"name": "Li_w", "ligands": ["water"], "dft_poses": 1}],
            "exchanges": [],
            "levels": {
                # staged level whose first stage stops after one optimizer iteration: a checkpoint
                "pre": {"basis": "sto-3g", "density_fitting": False, "grid_level": 1, "opt_maxsteps": 1},
                "staged": {"basis": "sto-3g", "density_fitting": False, "preopt_level": "pre"},
                "single": {"basis": "sto-3g", "density_fitting": False, "grid_level": 2},
            },
            "run_levels": ["staged", "single"],
            "build": {"n_conformers": 2, "n_candidates": 2, "ligand_candidates": 1, "n_poses": 1},
            "results_dir": str(tmp_path / "results"),
            "thermo": {"counterpoise": True},
        }
    )


def rows_of(rows, level, species):
    return [r for r in rows if r["level"] == level and r["species"] == species]


def test_progress_follows_build_checkpoint_and_record(tmp_path, capsys):
    plan = tiny_plan(tmp_path)
    results = tmp_path / "results"
    cache = results / "cache"

    # nothing built yet: every species of both levels is "not built" (the cluster as its one pose)
    rows = plan_progress(plan)
    assert {r["species"] for r in rows} == {"Li_ion", "water", "Li_w.pose0"}
    assert {r["state"] for r in rows} == {"not built"}

    structures = results / "structures"
    structures.mkdir(parents=True)
    build = structures / "water.build.json"
    build_structure_job(plan.species_definition("water"), str(structures / "water.xyz"), str(build))
    rows = plan_progress(plan)
    assert [r["state"] for r in rows_of(rows, "staged", "water")] == ["pending", "pending"]
    assert [r["stage_level"] for r in rows_of(rows, "staged", "water")] == ["pre", "staged"]

    # stage 1 runs out of steps: its checkpoint holds opt_maxsteps + 1 = 2 gradients
    staged = plan.levels["staged"].to_dict()
    out = results / "staged"
    with pytest.raises(ConvergenceError):
        optimize_job(str(build), staged, str(out / "w.json"), str(out / "w.xyz"), cache_dir=str(cache))
    checkpoint = next(cache.glob("*/*.checkpoint.json"))
    history = json.loads(checkpoint.read_text())["history"]
    stage1, stage2 = rows_of(plan_progress(plan), "staged", "water")
    assert stage1["state"] == "checkpoint" and stage1["gradients"] == len(history) == 2
    assert stage1["energy_hartree"] == history[-1]["energy_hartree"]
    assert stage1["last_delta_energy_hartree"] == pytest.approx(
        history[1]["energy_hartree"] - history[0]["energy_hartree"]
    )
    assert stage1["gradient_max_hartree_per_bohr"] == history[-1]["gradient_max_hartree_per_bohr"]
    assert stage1["cache_key"] == checkpoint.name.split(".")[0]
    assert stage2["state"] == "pending" and stage2["gradients"] == 0

    # the single-stage level converges: done, with the record's energy and step count
    single = plan.levels["single"].to_dict()
    rec_path = results / "single" / "records" / "water.json"
    optimize_job(str(build), single, str(rec_path), str(results / "single" / "w.xyz"), cache_dir=str(cache))
    record = json.loads(rec_path.read_text())
    (done,) = rows_of(plan_progress(plan), "single", "water")
    assert done["state"] == "done" and done["converged"]
    assert done["energy_hartree"] == record["energy_hartree"]
    assert done["gradients"] == record["n_opt_steps"] >= 2

    lines = format_progress(plan_progress(plan))
    assert lines[-1].startswith("1 of 6 optimizations finished, 1 with a checkpoint")

    # the CLI prints the same table and writes the rows as JSON
    config = tmp_path / "config.yaml"
    config.write_text(json.dumps(plan.config))
    out_json = tmp_path / "progress.json"
    assert main(["--config", str(config), "progress", "--json", str(out_json)]) == 0
    printed = capsys.readouterr().out
    assert "checkpoint" in printed and "not built" in printed
    written = json.loads(out_json.read_text())
    assert len(written["optimizations"]) == len(plan_progress(plan))
    assert [r["state"] for r in written["counterpoise"]] == ["waiting", "waiting"]  # no cluster record


def test_counterpoise_progress_counts_the_jobs_single_points(tmp_path):
    plan = tiny_plan(tmp_path)
    results = tmp_path / "results"
    cache = results / "cache"
    structures = results / "structures"
    structures.mkdir(parents=True)
    for name in ("Li_ion", "water", "Li_w"):
        build_structure_job(
            plan.species_definition(name),
            str(structures / f"{name}.xyz"),
            str(structures / f"{name}.build.json"),
        )
    level = plan.levels["single"]
    records = results / "single" / "records"
    for name in ("Li_ion", "water", "Li_w"):  # the cluster's record as select_pose writes it
        optimize_job(
            str(structures / f"{name}.build.json"),
            level.to_dict(),
            str(records / f"{name}.json"),
            str(results / "single" / f"{name}.xyz"),
            cache_dir=str(cache),
        )
    (row,) = [r for r in counterpoise_progress(plan) if r["level"] == "single"]
    assert (row["state"], row["single_points_cached"], row["single_points"]) == ("pending", 0, 4)

    complex_record = read_record(records / "Li_w.json")
    cms = [plan.charge_multiplicity(n) for n in ("Li_ion", "water")]
    first = counterpoise_single_points(complex_record, cms, level)[0]
    assert first.ghost_atoms  # Li+ in the full complex basis comes first
    with open(tmp_path / "first.log", "w") as stream:  # PySCF's output, not the (captured) stdout
        run_cached(first, Resources(), Cache(cache), stream)
    (row,) = [r for r in counterpoise_progress(plan) if r["level"] == "single"]
    assert (row["state"], row["single_points_cached"]) == ("partial", 1)

    out = results / "single" / "counterpoise" / "Li_w.json"
    log = tmp_path / "Li_w.counterpoise.log"

    def counterpoise():
        counterpoise_job(
            str(records / "Li_w.json"),
            [str(records / "Li_ion.json"), str(records / "water.json")],
            cms,
            level.to_dict(),
            str(out),
            cache_dir=str(cache),
            log_path=str(log),
        )

    counterpoise()
    assert [r["state"] for r in counterpoise_progress(plan) if r["level"] == "single"] == ["done"]
    computed = log.read_text()
    assert "Li_w.cp1.water.full: energy" in computed  # three single points ran here
    # a rerun takes every single point from the cache; its log (Snakemake deletes a job's log
    # before it reruns) keeps the one that computed them
    log.unlink()
    counterpoise()
    rerun = log.read_text()
    assert "Li_w.cp0.Li.full: reusing cached result" in rerun
    assert "==== log of the run that computed this result" in rerun and computed in rerun
    # the single points counted are exactly those the real job ran and cached
    out.unlink()
    (row,) = [r for r in counterpoise_progress(plan) if r["level"] == "single"]
    assert (row["state"], row["single_points_cached"], row["single_points"]) == ("partial", 4, 4)
    assert format_counterpoise_progress([row]) == [
        "counterpoise single   Li_w             partial (4 of 4 single points cached)"
    ]
