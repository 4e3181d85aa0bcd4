"""Levels with ``backend: xtb``: GFN2-xTB as a run level of its own, and as the geometry level A of a
composite ``B//A`` (DFT single points at GFN2-xTB minima), through the cached runner and Snakemake.
Real tblite and PySCF at tiny sizes (Li+ + water, HF/STO-3G single points)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from test_workflow import job_counts, read_csv, run

from compchem.backends.base import run_cached
from compchem.config import build_plan
from compchem.errors import ConvergenceError, InputError
from compchem.models import CalcSpec, LevelOfTheory, Resources
from compchem.records import Cache
from compchem.units import HARTREE_TO_EV

ROOT = Path(__file__).resolve().parents[1]
LEVELS = {
    "gfn2": {"backend": "xtb", "functional": "gfn2-xtb"},
    "hf": {"functional": "hf", "basis": "sto-3g", "density_fitting": False},
    "sp_xtb": {"energy_level": "hf", "geometry_level": "gfn2"},
}
LI_WATER = (
    ("Li", "O", "H", "H"),
    ((0.0, 0.0, -2.1), (0.0, 0.0, 0.12), (0.0, 0.76, -0.48 + 1.0), (0.0, -0.76, -0.48 + 1.0)),
)


def level(name: str) -> LevelOfTheory:
    return LevelOfTheory.from_dict(name, LEVELS[name], LEVELS)


def test_xtb_level_is_named_by_its_method_and_refuses_dft_keys():
    gfn2 = level("gfn2")
    assert gfn2.functional == "GFN2-xTB" and gfn2.describe() == "GFN2-xTB"  # spelling normalized
    composite = level("sp_xtb")
    assert composite.notation() == "hf//gfn2" and composite.describe() == "HF/sto-3g//GFN2-xTB"
    assert LevelOfTheory.from_record(composite.to_dict()) == composite  # records round-trip
    with pytest.raises(InputError, match="one of \\['GFN2-xTB', 'GFN1-xTB'\\]; got 'b3lyp'"):
        LevelOfTheory.from_dict("x", {"backend": "xtb"})
    with pytest.raises(InputError, match="\\['basis', 'grid_level'\\] do not apply to an xTB level"):
        LevelOfTheory.from_dict(
            "x", {"backend": "xtb", "functional": "GFN2-xTB", "basis": "sto-3g", "grid_level": 1}
        )
    with pytest.raises(InputError, match="\\['preopt_level'\\] do not apply"):
        LevelOfTheory.from_dict("x", {**LEVELS["gfn2"], "preopt_level": "hf"}, LEVELS)


def test_composite_at_xtb_geometry_runs_both_and_reuses_the_xtb_minimum(tmp_path):
    cache = Cache(tmp_path / "cache")
    spec = CalcSpec(*LI_WATER, 1, 1, level("sp_xtb"), "optimize", label="Li_water")
    result = run_cached(spec, Resources(threads=2), cache)
    opt = run_cached(CalcSpec(*LI_WATER, 1, 1, level("gfn2"), "optimize", label="x"), Resources(), cache)
    assert opt.program == "tblite" and opt.converged and opt.n_opt_steps > 3  # cached: the same minimum
    assert result.coordinates_angstrom == opt.coordinates_angstrom
    sp = run_cached(
        CalcSpec(LI_WATER[0], tuple(map(tuple, opt.coordinates_angstrom)), 1, 1, level("hf"), "energy"),
        Resources(),
        cache,
    )
    assert result.energy_hartree == sp.energy_hartree  # B's energy at A's geometry
    assert result.extra["composite"]["notation"] == "hf//gfn2"
    # the xTB minimum: Li-O about 1.85 A at GFN2-xTB (a DFT-like Li+-water contact, not the start's 2.2)
    li, o = result.coordinates_angstrom[0], result.coordinates_angstrom[1]
    assert 1.7 < sum((a - b) ** 2 for a, b in zip(li, o, strict=True)) ** 0.5 < 2.0
    assert -20 < opt.energy_hartree < -4  # an xTB total energy (Ha), not a DFT one (-83 Ha at HF)


def test_xtb_minimization_that_cannot_converge_is_a_convergence_error(tmp_path, monkeypatch):
    from compchem.backends import xtb

    real = xtb.xtb_optimize
    monkeypatch.setattr(xtb, "xtb_optimize", lambda spec, method: real(spec, method, max_steps=2))
    spec = CalcSpec(*LI_WATER, 1, 1, level("gfn2"), "optimize", label="Li_water")
    with pytest.raises(ConvergenceError, match="GFN2-xTB minimization did not reach"):
        run_cached(spec, Resources(), Cache(tmp_path / "cache"))
    assert not list((tmp_path / "cache").glob("*/*.record.json"))  # nothing half-done is cached


def test_bad_xtb_configs_are_refused_before_any_job(data_dir, tmp_path):
    shutil.copy(data_dir / "ligands_empty.tsv", tmp_path)
    cfg = yaml.safe_load((data_dir / "tiny.yaml").read_text())
    cfg["levels"]["gfn2"] = {"backend": "xtb", "functional": "GFN2-xTB"}
    cfg["run_levels"] = ["gfn2"]
    cfg["thermo"] = {"counterpoise": True}
    with pytest.raises(InputError, match="xTB level: thermo.counterpoise needs ghost-atom"):
        build_plan(cfg, base_dirs=[tmp_path])
    cfg["thermo"] = {"frequencies": True}
    with pytest.raises(InputError, match="xTB level: thermo.frequencies"):
        build_plan(cfg, base_dirs=[tmp_path])


@pytest.mark.workflow
def test_xtb_run_level_and_dft_at_xtb_geometry_through_snakemake(tmp_path, data_dir):
    shutil.copy(data_dir / "ligands_empty.tsv", tmp_path)
    cfg = yaml.safe_load((data_dir / "tiny.yaml").read_text())
    cfg["clusters"] = [{"name": "Li_water", "ligands": ["water"]}]
    cfg["levels"].update(LEVELS)
    cfg["run_levels"] = ["gfn2", "sp_xtb"]
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(cfg))
    proc = run(["--cores", "2", "--configfile", "c.yaml"], tmp_path)
    # Li+ and water at each level; the cluster's poses join the DAG once its build (a checkpoint) ran
    assert job_counts(proc.stdout + proc.stderr)["optimize"] == 4
    assert all(
        (tmp_path / f"results/{lvl}/records/Li_water.pose0.json").exists() for lvl in ("gfn2", "sp_xtb")
    )

    xtb_row = read_csv(tmp_path / "results/gfn2/binding_energies.csv")[0]
    sp_row = read_csv(tmp_path / "results/sp_xtb/binding_energies.csv")[0]
    assert xtb_row["level"] == "gfn2" and sp_row["level"] == "hf//gfn2"
    records = {
        (lvl, s): json.loads((tmp_path / f"results/{lvl}/records/{s}.json").read_text())
        for lvl in ("gfn2", "sp_xtb")
        for s in ("Li_ion", "water", "Li_water")
    }
    for lvl, row in (("gfn2", xtb_row), ("sp_xtb", sp_row)):
        e = {s: records[lvl, s]["energy_hartree"] for s in ("Li_ion", "water", "Li_water")}
        assert float(row["E_bind_eV"]) == pytest.approx(
            (e["Li_ion"] + e["water"] - e["Li_water"]) * HARTREE_TO_EV, abs=1e-4
        )
    # the composite's geometries are the xTB run level's minima, reused from the cache
    assert (
        records["sp_xtb", "Li_water"]["coordinates_angstrom"]
        == records["gfn2", "Li_water"]["coordinates_angstrom"]
    )
    assert records["gfn2", "Li_water"]["program"] == "tblite"
    assert 0.5 < float(xtb_row["E_bind_eV"]) < 2.0  # Li+-water: ~1.5 eV at GFN2-xTB and at DFT
    # the tables name the xTB method without the basis, grid or fitting it does not have
    xtb_md = (tmp_path / "results/gfn2/binding_energies.md").read_text()
    assert "Level: GFN2-xTB (tight binding), gas phase, program tblite" in xtb_md
    assert "grid level" not in xtb_md and "density fitting" not in xtb_md
    assert (
        "optimized at 'gfn2' (GFN2-xTB (tight binding))"
        in (tmp_path / "results/sp_xtb/binding_energies.md").read_text()
    )


def test_estimate_prices_an_xtb_level_by_size_and_needs_no_basis_for_zn():
    from compchem import estimate

    gfn2, composite = level("gfn2"), level("sp_xtb")
    zn = ["Zn", "N", "N", "C", "H"]  # the default basis 6-311+G(d,p) has no Zn: an xTB level needs none
    assert estimate.n_basis_functions(zn, gfn2) == 0
    assert estimate.optimization_seconds(zn, gfn2, 2, 12, 0) == pytest.approx(
        estimate.XTB_OPT_SECONDS_PER_ATOM3 * 125
    )
    # B//xTB: the minimization plus one SCF at B, whatever the DFT step count
    water = ["O", "H", "H"]
    sp = estimate.SCF_SHARE * estimate.seconds_per_gradient(
        estimate.n_basis_functions(water, composite.single_point_level()), composite.single_point_level(), 2
    )
    for steps in (5, 50):
        assert estimate.optimization_seconds(water, composite, 2, steps, 0) == pytest.approx(
            estimate.XTB_OPT_SECONDS_PER_ATOM3 * 27 + sp
        )


def test_xtb_minimization_logs_its_progress(tmp_path, monkeypatch):
    from compchem.backends import xtb
    from compchem.logs import job_log

    monkeypatch.setattr(xtb, "XTB_LOG_INTERVAL_GRADIENTS", 2)
    spec = CalcSpec(*LI_WATER, 1, 1, level("gfn2"), "optimize", label="Li_water")
    with job_log(tmp_path / "job.log"):  # as a workflow job logs
        result = run_cached(spec, Resources(), None)
    lines = [line for line in (tmp_path / "job.log").read_text().splitlines() if "GFN2-xTB gradient" in line]
    assert len(lines) == result.n_opt_steps // 2 and "E=-" in lines[0] and "max force" in lines[0]
    # geomeTRIC in internal coordinates, as the DFT levels; the record says so and is converged on
    # the gradient (largest atomic force below 5e-4 eV/Å)
    assert result.extra["optimizer"].startswith("geomeTRIC TRIC") and result.converged
    assert result.gradient_max_hartree_per_bohr <= xtb.XTB_GMAX_HARTREE_PER_BOHR


def test_the_xtb_optimizer_is_part_of_an_xtb_minimization_hash_only(monkeypatch):
    """The xTB minimizer changed (ASE's BFGS to geomeTRIC): its minimizations and the composite levels
    built on them get new hashes (old records are not reused for them), while DFT optimizations and
    xTB single points keep theirs."""
    import compchem.models.spec as spec_module

    specs = [
        CalcSpec(*LI_WATER, 1, 1, level("gfn2"), "optimize"),
        # a composite at xTB geometries caches its record under its own hash: it must change too,
        # or its old record (geometry from the old minimizer) would be reused
        CalcSpec(*LI_WATER, 1, 1, level("sp_xtb"), "optimize"),
        CalcSpec(*LI_WATER, 1, 1, level("gfn2"), "energy"),
        CalcSpec(*LI_WATER, 1, 1, level("hf"), "optimize"),
    ]
    before = [s.content_hash() for s in specs]
    monkeypatch.setattr(spec_module, "XTB_OPTIMIZER", "another optimizer")
    after = [s.content_hash() for s in specs]
    assert after[0] != before[0] and after[1] != before[1] and after[2:] == before[2:]


def test_xtb_single_point_is_a_record_of_the_level(tmp_path):
    from compchem.backends.xtb import xtb_energy

    spec = CalcSpec(*LI_WATER, 1, 1, level("gfn2"), "energy", label="Li_water")
    result = run_cached(spec, Resources(), Cache(tmp_path / "cache"))
    assert result.task == "energy" and result.program == "tblite" and result.spec_hash == spec.content_hash()
    assert result.level["functional"] == "GFN2-xTB" and result.n_opt_steps == 0
    assert result.energy_hartree == pytest.approx(xtb_energy(spec, "GFN2-xTB"), abs=1e-10)
    assert len(list((tmp_path / "cache").glob("*/*.record.json"))) == 1  # cached like any record


def test_a_held_zn_model_is_minimized_to_the_threshold_across_its_held_distances():
    """Li+ on the ring face of the bridged Zn2(Im) model (committed build, nine held Zn-N/Zn-C/Zn-Zn
    distances): geomeTRIC's own test passes there with 0.14 eV/Å left across the held distances
    (measured, seventeenth session); the minimization must end below 5e-4 eV/Å on the force the
    constraints leave free, every held distance kept."""
    from compchem.backends import xtb
    from compchem.held import distances_angstrom
    from compchem.jobs.common import spec_from_build

    build = ROOT / "results/structures/Li_Zn2_bridging_Im.pose1.build.json"
    spec = spec_from_build(str(build), level("gfn2").to_dict())
    assert len(spec.held_distances) == 9
    result = xtb.xtb_optimize(spec, "GFN2-xTB")
    assert result.converged
    assert result.gradient_max_hartree_per_bohr <= xtb.XTB_GMAX_HARTREE_PER_BOHR
    targets = [v for _, _, v in spec.held_distances]
    assert distances_angstrom(spec.held_distances, result.coordinates_angstrom) == pytest.approx(
        targets, abs=1e-4
    )
