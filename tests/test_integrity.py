"""Damaged files are detected, named and recovered from; finished results are never deleted.

Damage kinds, as after a full disk, a copy that stopped, a hand edit or a file put in the wrong place:
truncated (first 200 bytes kept), empty, not JSON, wrong schema version, wrong hash (the content of
another entry, or a checksum that no longer matches)."""

from __future__ import annotations

import json
import logging
import multiprocessing
import subprocess
import sys
import time
from pathlib import Path

import pytest

from compchem.backends.base import run_cached
from compchem.errors import DamagedFileError
from compchem.integrity import check_results
from compchem.models import CalcSpec, LevelOfTheory, Resources
from compchem.records import Cache, read_record, write_json_atomic, write_record

LEVEL = LevelOfTheory.from_dict("t", {"functional": "hf", "basis": "sto-3g", "density_fitting": False})
WATER = CalcSpec(
    ("O", "H", "H"), ((0.0, 0.0, 0.12), (0.0, 0.76, -0.48), (0.0, -0.76, -0.48)), 0, 1, LEVEL, label="water"
)


def damage(path: Path, kind: str) -> None:
    """Apply one damage kind to a JSON file in place."""
    text = path.read_text()
    if kind == "truncated":
        path.write_text(text[:200])
    elif kind == "empty":
        path.write_text("")
    elif kind == "not JSON":
        path.write_text("<html>proxy error</html>\n")
    elif kind == "wrong schema version":
        data = json.loads(text)
        data["schema_version"] = 99
        path.write_text(json.dumps(data))
    elif kind == "wrong hash":
        data = json.loads(text)
        data["energy_hartree"] = data["energy_hartree"] + 1.0  # content no longer its checksum's
        path.write_text(json.dumps(data))


KINDS = ["truncated", "empty", "not JSON", "wrong schema version", "wrong hash"]
MESSAGES = {
    "truncated": "not valid JSON",
    "empty": "the file is empty",
    "not JSON": "not valid JSON",
    "wrong schema version": "schema_version 99",
    "wrong hash": "does not match the checksum",
}


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A real finished HF/STO-3G water optimization in a cache, and its record file."""
    root = tmp_path_factory.mktemp("finished")
    cache = Cache(root / "cache")
    result = run_cached(WATER, Resources(threads=1, memory_mb=1000), cache)
    write_record(root / "records" / "water.json", result)
    return root, result


def copy_of(finished, tmp_path):
    import shutil

    root, result = finished
    shutil.copytree(root, tmp_path / "run")
    return tmp_path / "run", result


@pytest.mark.dft
@pytest.mark.parametrize("kind", KINDS)
def test_damaged_record_names_the_file(finished, tmp_path, kind):
    run, _ = copy_of(finished, tmp_path)
    path = run / "records" / "water.json"
    damage(path, kind)
    with pytest.raises(DamagedFileError) as err:
        read_record(path)
    assert str(path) in str(err.value) and MESSAGES[kind] in str(err.value)
    remedy = "update compchem" if kind == "wrong schema version" else "git checkout --"
    assert remedy in str(err.value)
    assert path.exists()  # never deleted


@pytest.mark.dft
@pytest.mark.parametrize("kind", KINDS)
def test_damaged_cache_entry_is_quarantined_and_recomputed(finished, tmp_path, kind, caplog):
    run, result = copy_of(finished, tmp_path)
    cache = Cache(run / "cache")
    entry = cache.path(WATER.content_hash(), "record")
    damage(entry, kind)
    with caplog.at_level(logging.WARNING, logger="compchem"):
        again = run_cached(WATER, Resources(threads=1, memory_mb=1000), cache)
    assert again.energy_hartree == pytest.approx(result.energy_hartree, abs=1e-7)  # recomputed
    quarantined = list((run / "cache" / "quarantine").iterdir())
    assert len(quarantined) == 1 and quarantined[0].name.startswith(entry.name)
    warning = caplog.text
    assert str(entry) in warning and str(quarantined[0]) in warning and "cache miss" in warning
    assert json.loads(entry.read_text())["energy_hartree"] == pytest.approx(result.energy_hartree, abs=1e-7)


@pytest.mark.dft
@pytest.mark.parametrize("kind", ["truncated", "empty", "not JSON"])
def test_damaged_checkpoint_falls_back_to_the_start_geometry(tmp_path, kind, caplog):
    cache = Cache(tmp_path / "cache")
    key = WATER.content_hash()
    # a checkpoint as an interrupted optimization leaves it, then damaged
    cache.put(
        key,
        "checkpoint",
        {"symbols": list(WATER.symbols), "coordinates_angstrom": [[0, 0, 0]] * 3, "history": []},
    )
    damage(cache.path(key, "checkpoint"), kind)
    with caplog.at_level(logging.WARNING, logger="compchem"):
        result = run_cached(WATER, Resources(threads=1, memory_mb=1000), cache)
    assert result.converged
    assert "checkpoint" in caplog.text and "quarantine" in caplog.text
    assert len(list((tmp_path / "cache" / "quarantine").iterdir())) == 1


def test_check_reports_damaged_and_orphaned_files(tmp_path):
    results = tmp_path / "results"
    cache = Cache(results / "cache")
    record = {
        "label": "x",
        "task": "energy",
        "program": "pyscf",
        "spec_hash": "a" * 64,
        "level": {},
        "charge": 0,
        "multiplicity": 1,
        "symbols": ["He"],
        "coordinates_angstrom": [[0, 0, 0]],
        "energy_hartree": -2.8,
        "converged": True,
    }
    cache.put("a" * 64, "record", record)
    cache.put("a" * 64, "checkpoint", {"symbols": ["He"], "coordinates_angstrom": [[0, 0, 0]], "history": []})
    cache.put("b" * 64, "record", {**record, "spec_hash": "b" * 64})
    damage(cache.path("b" * 64, "record"), "wrong hash")
    write_json_atomic(results / "lvl" / "records" / "x.json", record)
    (results / "lvl" / "records" / "y.json").write_text('{"label": "y", "ta')
    (results / "lvl" / "records" / ".y.json.abc123.tmp").write_text("{")
    proc = subprocess.run(
        [sys.executable, "-m", "compchem.cli", "check", str(results)], capture_output=True, text=True
    )
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert any(line.startswith("damaged") and "y.json" in line and "cut short" in line for line in lines)
    assert any("b" * 64 in line and "checksum" in line for line in lines)
    assert any(line.startswith("orphaned") and ".tmp" in line for line in lines)
    assert any("checkpoint of an optimization whose record is already cached" in line for line in lines)
    assert "2 damaged, 2 orphaned" in lines[-2] if "damaged cache" in lines[-1] else lines[-1]
    findings = check_results(results)
    assert {f.state for f in findings} == {"damaged", "orphaned"} and len(findings) == 4
    # nothing was moved or deleted by the check
    assert (results / "lvl" / "records" / "y.json").exists() and cache.path("b" * 64, "record").exists()


def _writer(root: str, payload_size: int, rounds: int) -> None:
    cache = Cache(root)
    for i in range(rounds):
        cache.put(
            "c" * 64,
            "build",
            {
                "symbols": ["H"] * payload_size,
                "coordinates_angstrom": [],
                "charge": 0,
                "multiplicity": 1,
                "round": i,
            },
        )


def test_racing_writers_never_leave_a_half_written_entry(tmp_path):
    """Two processes write the same cache entry 150 times each (as two workflows sharing one cache
    would) while this one reads it: every read is a complete, checked entry."""
    root = str(tmp_path / "cache")
    ctx = multiprocessing.get_context("spawn")
    writers = [ctx.Process(target=_writer, args=(root, 20000, 150)) for _ in range(2)]
    for w in writers:
        w.start()
    cache, reads, deadline = Cache(root), 0, time.time() + 120
    while any(w.is_alive() for w in writers) and time.time() < deadline:
        try:
            data = cache.check_entry("c" * 64, "build")
        except FileNotFoundError:
            continue
        assert len(data["symbols"]) == 20000
        reads += 1
    for w in writers:
        w.join()
        assert w.exitcode == 0
    assert reads > 0
    assert not (tmp_path / "cache" / "quarantine").exists()
    assert not [p for p in Path(root).rglob("*.tmp")]  # no temporary file left behind


@pytest.mark.workflow
def test_damage_through_snakemake(tmp_path, data_dir):
    """A finished tiny run (B3LYP/STO-3G Li+-water): a truncated output record makes the table job fail
    with a one-line message naming the file (also in the job's log, and from `compchem table`); the same
    damage to its cache entry, with the optimization forced to rerun, is quarantined and recomputed."""
    import shutil

    import yaml
    from test_workflow import run

    shutil.copy(data_dir / "ligands_empty.tsv", tmp_path)
    cfg = yaml.safe_load((data_dir / "tiny.yaml").read_text())
    cfg["clusters"] = [{"name": "Li_water", "ligands": ["water"]}]
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(cfg))
    run(["--cores", "2", "--configfile", "c.yaml"], tmp_path)
    record = tmp_path / "results/tiny/records/water.json"
    intact = record.read_text()
    damage(record, "truncated")
    proc = run(
        ["--cores", "1", "--configfile", "c.yaml", "--forcerun", "binding_table"], tmp_path, check=False
    )
    assert proc.returncode != 0
    message = f"compchem: error: damaged file {record.relative_to(tmp_path)}"
    assert message in proc.stdout + proc.stderr
    log = (tmp_path / "results/tiny/logs/binding_table.log").read_text()
    assert message in log and "cut short" in log
    cli = subprocess.run(
        [sys.executable, "-m", "compchem.cli", "--config", "c.yaml", "table", "results/tiny/records"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert cli.returncode == 2 and cli.stderr.strip().count("\n") == 0 and "water.json" in cli.stderr
    assert record.exists()  # nothing deleted

    record.write_text(intact)
    energy = json.loads(intact)["energy_hartree"]
    entry = Cache(tmp_path / "results/cache").path(json.loads(intact)["spec_hash"], "record")
    damage(entry, "truncated")
    proc = run(
        ["--cores", "1", "--configfile", "c.yaml", "--forcerun", "results/tiny/records/water.json"], tmp_path
    )
    quarantined = list((tmp_path / "results/cache/quarantine").iterdir())
    assert len(quarantined) == 1
    job_log = (tmp_path / "results/tiny/logs/water.log").read_text()
    assert "damaged cache entry" in job_log and str(quarantined[0].relative_to(tmp_path)) in job_log
    assert json.loads(record.read_text())["energy_hartree"] == pytest.approx(energy, abs=1e-7)


def test_check_reports_records_computed_from_an_earlier_build(tmp_path):
    """A GFN2-xTB optimization record (real tblite run) written where the workflow puts it: current
    while the build it started from is unchanged; `stale` once the structure is rebuilt to another
    geometry (the workflow does not rerun it by itself: its rerun triggers leave out file times)."""
    from compchem.backends.base import run_cached
    from compchem.models import CalcSpec, LevelOfTheory, Resources

    results = tmp_path / "results"
    symbols = ["O", "H", "H"]
    start = [[0.0, 0.0, 0.12], [0.0, 0.78, -0.45], [0.0, -0.78, -0.45]]
    build = {"symbols": symbols, "coordinates_angstrom": start, "charge": 0, "multiplicity": 1}
    write_json_atomic(results / "structures" / "water.build.json", build)
    level = LevelOfTheory.from_dict("gfn2", {"backend": "xtb", "functional": "GFN2-xTB"})
    spec = CalcSpec(tuple(symbols), tuple(map(tuple, start)), 0, 1, level, "optimize", label="water")
    record = run_cached(spec, Resources(threads=1), Cache(results / "cache"))
    assert record.extra["initial_coordinates_angstrom"] == start
    write_json_atomic(results / "gfn2" / "records" / "water.json", record.to_dict())
    assert check_results(results) == []
    # the builder changed: the same species now starts elsewhere
    moved = [[x, y + 0.05, z] for x, y, z in start]
    write_json_atomic(results / "structures" / "water.build.json", {**build, "coordinates_angstrom": moved})
    (finding,) = check_results(results)
    assert finding.state == "stale" and finding.path.endswith("gfn2/records/water.json")
    assert "no current build of water" in finding.problem
    proc = subprocess.run(
        [sys.executable, "-m", "compchem.cli", "check", str(results)], capture_output=True, text=True
    )
    assert proc.returncode == 1 and "0 damaged, 0 orphaned, 1 stale" in proc.stdout


def test_check_reports_records_of_an_earlier_calculation_definition(tmp_path, monkeypatch):
    """A real GFN2-xTB optimization record and the composite HF//GFN2-xTB record built on it: both
    current as written; both stale once the xTB minimizer changes (their content hashes, recomputed
    from the records, are no longer the ones the code gives those calculations)."""
    import compchem.models.spec as spec_module
    from compchem.backends.base import run_cached
    from compchem.models import CalcSpec, LevelOfTheory, Resources

    results = tmp_path / "results"
    levels = {
        "gfn2": {"backend": "xtb", "functional": "GFN2-xTB"},
        "hf": {"functional": "hf", "basis": "sto-3g", "density_fitting": False},
        "hf_xtb": {"energy_level": "hf", "geometry_level": "gfn2"},
    }
    start = ((0.0, 0.0, 0.12), (0.0, 0.78, -0.45), (0.0, -0.78, -0.45))
    for name in ("gfn2", "hf_xtb"):
        level = LevelOfTheory.from_dict(name, levels[name], levels)
        spec = CalcSpec(("O", "H", "H"), start, 0, 1, level, "optimize", label="water")
        record = run_cached(spec, Resources(threads=1), Cache(results / "cache"))
        write_json_atomic(results / name / "records" / "water.json", record.to_dict())
    assert check_results(results) == []
    monkeypatch.setattr(spec_module, "XTB_OPTIMIZER", "another minimizer")
    findings = check_results(results)
    assert sorted(Path(f.path).parent.parent.name for f in findings) == ["gfn2", "hf_xtb"]
    assert all(f.state == "stale" and "earlier definition" in f.problem for f in findings)
