"""Real PySCF calculations on Li+-H2O (4 atoms): energies, optimization, resume, errors.

Reference energies were computed with this backend (PySCF 2.14.0, B3LYP, grid level 3,
conv_tol 1e-10) at the fixed geometry GEOM below:
    STO-3G, no density fitting:  -82.62811981655783 Ha
    3-21G, density fitting:      -83.30188864128829 Ha
Tolerance 1e-6 Ha allows for grid/BLAS differences across PySCF versions and machines.
"""

import numpy as np
import pytest

from compchem.backends.base import get_runner, run_cached
from compchem.backends.pyscf_backend import run_pyscf
from compchem.errors import BackendUnavailableError, ConvergenceError, InputError
from compchem.models import CalcSpec, LevelOfTheory, Resources
from compchem.records import Cache

pytestmark = pytest.mark.dft

GEOM = ((0.0, 0.0, -1.85), (0.0, 0.0, 0.0), (0.0, 0.7572, 0.5865), (0.0, -0.7572, 0.5865))
STO = LevelOfTheory.from_dict("sto", {"basis": "sto-3g", "density_fitting": False, "scf_conv_tol": 1e-10})
R = Resources(threads=2, memory_mb=2000)


def spec(level=STO, task="energy", geom=GEOM, **kw):
    return CalcSpec(("Li", "O", "H", "H"), geom, 1, 1, level, task, label="Li_H2O", **kw)


def test_energy_sto3g_reference():
    res = run_pyscf(spec(), R)
    assert res.energy_hartree == pytest.approx(-82.62811981655783, abs=1e-6)
    assert res.converged and res.n_basis_functions == 12 and res.program == "pyscf"
    assert res.level["basis"] == "sto-3g" and res.level["density_fitting"] is False


def test_energy_321g_density_fitting_reference():
    level = LevelOfTheory.from_dict("d", {"basis": "3-21g", "density_fitting": True, "scf_conv_tol": 1e-10})
    res = run_pyscf(spec(level), R)
    assert res.energy_hartree == pytest.approx(-83.30188864128829, abs=1e-6)


def test_gradient_task_reports_gradient():
    res = run_pyscf(spec(task="gradient"), R)
    assert res.gradient_max_hartree_per_bohr > 1e-3  # GEOM is not a stationary point


def test_optimization_converges_and_lowers_energy(tmp_path):
    cache = Cache(tmp_path)
    res = run_cached(spec(task="optimize"), R, cache)
    assert res.converged and res.n_opt_steps >= 2
    assert res.energy_hartree < -82.62811981655783
    assert res.gradient_max_hartree_per_bohr < 4.5e-4  # geomeTRIC's default gmax criterion
    li_o = np.linalg.norm(np.subtract(res.coordinates_angstrom[0], res.coordinates_angstrom[1]))
    assert 1.6 < li_o < 2.0
    assert len(res.history) == res.n_opt_steps
    # cached: the same spec under another name is not recomputed
    again = run_cached(
        spec(task="optimize").__class__(**{**spec(task="optimize").__dict__, "label": "renamed"}), R, cache
    )
    assert again.label == "renamed" and again.energy_hartree == res.energy_hartree
    assert again.wall_time_s == res.wall_time_s


def test_interrupted_optimization_resumes_from_checkpoint(tmp_path):
    start = ((0.0, 0.0, -2.6),) + GEOM[1:]
    short = LevelOfTheory.from_dict(
        "sto", {**{k: v for k, v in STO.to_dict().items() if k != "name"}, "opt_maxsteps": 2}
    )
    cache = Cache(tmp_path)
    with pytest.raises(ConvergenceError, match="checkpointed"):
        run_cached(spec(short, "optimize", start), R, cache)
    key = spec(short, "optimize", start).content_hash()
    checkpoint = cache.get(key, "checkpoint")
    # geomeTRIC evaluates the start plus one gradient per iteration: maxsteps + 1 in all
    assert checkpoint is not None and len(checkpoint["history"]) == 3
    assert cache.get(key, "record") is None
    # a rerun with the same spec continues from the last geometry, not from scratch; the checkpointed
    # energy and gradient answer geomeTRIC's first evaluation, so its 2 iterations are 2 new steps
    with pytest.raises(ConvergenceError):
        run_cached(spec(short, "optimize", start), R, cache)
    history = cache.get(key, "checkpoint")["history"]
    assert len(history) == 5
    # its first SCF started from the orbitals the killed run left (PySCF chkfile in the cache), in
    # fewer cycles than the first run's first SCF from PySCF's default guess
    assert cache.scf_chk_path(key).exists()
    assert history[3]["scf_cycles"] < history[0]["scf_cycles"]
    assert history[3]["energy_hartree"] < history[2]["energy_hartree"]
    # the uninterrupted run from the same start reaches the same minimum
    full = run_cached(spec(STO, "optimize", start), R, Cache(tmp_path / "full"))
    resumed_level = LevelOfTheory.from_dict(
        "sto", {**{k: v for k, v in STO.to_dict().items() if k != "name"}, "opt_maxsteps": 50}
    )
    # same science (maxsteps differs, so it is a new spec): seed its checkpoint from the old one
    key_long = spec(resumed_level, "optimize", start).content_hash()
    cache.put(key_long, "checkpoint", cache.get(key, "checkpoint"))
    resumed = run_cached(spec(resumed_level, "optimize", start), R, cache)
    assert resumed.extra["resumed_from_step"] == 5
    assert resumed.energy_hartree == pytest.approx(full.energy_hartree, abs=2e-6)
    assert cache.get(key_long, "checkpoint") is None  # dropped once the record exists


def test_scf_ladder_recovers_from_too_few_cycles():
    # 3 cycles cannot converge this SCF; the second rung (more cycles + level shift) does, and the
    # level shift does not change the converged energy (same reference as above).
    level = LevelOfTheory.from_dict(
        "x", {"basis": "sto-3g", "density_fitting": False, "scf_max_cycle": 3, "scf_conv_tol": 1e-10}
    )
    res = run_pyscf(spec(level), R)
    attempts = res.extra["scf_attempts"]
    assert [a["converged"] for a in attempts] == [False, True]
    assert attempts[1]["attempt"].startswith("more cycles")
    assert res.energy_hartree == pytest.approx(-82.62811981655783, abs=1e-6)


def test_scf_ladder_recovers_inside_an_optimization(tmp_path):
    # a stretched Li-O start and a 4-cycle limit: the first step's SCF fails, the ladder goes on
    level = LevelOfTheory.from_dict(
        "x", {"basis": "sto-3g", "density_fitting": False, "scf_max_cycle": 4, "scf_conv_tol": 1e-10}
    )
    stretched = ((0.0, 0.0, -3.5),) + GEOM[1:]
    res = run_pyscf(spec(level, "optimize", stretched), R, Cache(tmp_path))
    assert res.converged and res.extra["scf_attempts"][0]["converged"] is False
    assert res.extra["scf_attempts"][-1]["converged"] is True


def test_scf_never_converging_is_convergence_error():
    level = LevelOfTheory.from_dict(
        "x", {"basis": "sto-3g", "density_fitting": False, "scf_max_cycle": 2, "scf_conv_tol": 1e-30}
    )
    with pytest.raises(ConvergenceError, match="SCF did not converge on any of 5 attempts"):
        run_pyscf(spec(level), R)


def test_bad_charge_multiplicity_and_basis():
    with pytest.raises(InputError, match="multiplicity 2 do not match"):
        run_pyscf(CalcSpec(("Li", "O", "H", "H"), GEOM, 1, 2, STO, "energy", label="x"), R)
    level = LevelOfTheory.from_dict("b", {"basis": {"O": "sto-3g", "H": "sto-3g", "Li": "nonsense"}})
    with pytest.raises(InputError, match="level 'b': unknown basis name 'nonsense'"):
        run_pyscf(spec(level), R)
    # a basis PySCF knows that lacks an element: Xe has no functions in 6-31G
    xe = CalcSpec(
        ("Xe",), ((0.0, 0.0, 0.0),), 0, 1, LevelOfTheory.from_dict("c", {"basis": "6-31g"}), "energy"
    )
    with pytest.raises(InputError, match="basis '6-31g' of level 'c' has no functions for element Xe"):
        run_pyscf(xe, R)


def test_unknown_backend():
    with pytest.raises(BackendUnavailableError, match="unknown backend 'orca'"):
        get_runner("orca", "energy")


def test_staged_optimization_records_both_stages_and_is_cached(tmp_path):
    levels = {
        "fine": {"basis": "3-21g", "density_fitting": False, "preopt_level": "rough"},
        "rough": {"basis": "sto-3g", "density_fitting": False},
    }
    fine = LevelOfTheory.from_dict("fine", levels["fine"], levels)
    start = ((0.0, 0.0, -2.6),) + GEOM[1:]
    cache = Cache(tmp_path)
    staged = run_cached(spec(fine, "optimize", start), R, cache)
    stages = staged.extra["stages"]
    assert [s["level"] for s in stages] == ["rough", "fine"]
    assert staged.converged and staged.level["preopt"]["basis"] == "sto-3g"
    # the final stage is an ordinary 3-21G optimization from the STO-3G minimum
    direct = run_cached(spec(fine.without_preopt(), "optimize", start), R, Cache(tmp_path / "direct"))
    assert staged.energy_hartree == pytest.approx(direct.energy_hartree, abs=2e-6)
    assert stages[1]["n_opt_steps"] < direct.n_opt_steps
    # the staged spec hashes differently from the unstaged one, and a rerun is a cache hit
    assert (
        spec(fine, "optimize", start).content_hash()
        != spec(fine.without_preopt(), "optimize", start).content_hash()
    )
    assert run_cached(spec(fine, "optimize", start), R, cache).wall_time_s == staged.wall_time_s
    # stage 2's first SCF starts from stage 1's orbitals projected onto 3-21G, in fewer cycles than
    # PySCF's default guess at the same geometry (the stage-1 minimum)
    assert staged.extra["scf_initial_guess"] == (
        f"stage 1 ({stages[0]['spec_hash'][:12]}), projected onto this basis"
    )
    stage1_min = run_cached(spec(fine.preopt, "optimize", start), R, cache).coordinates_angstrom
    fresh = run_pyscf(spec(fine.without_preopt(), "energy", tuple(map(tuple, stage1_min))), R)
    assert staged.history[0]["scf_cycles"] < fresh.n_scf_cycles_last


def test_dispersion_and_implicit_solvent_options():
    base = {"basis": "sto-3g", "density_fitting": False, "scf_conv_tol": 1e-10}
    gas = run_pyscf(spec(LevelOfTheory.from_dict("g", base)), R).energy_hartree
    d3 = run_pyscf(spec(LevelOfTheory.from_dict("d", {**base, "dispersion": "d3bj"})), R).energy_hartree
    # D3(BJ) adds a small attractive term for these 4 atoms
    assert -5e-3 < d3 - gas < 0
    solv = LevelOfTheory.from_dict("s", {**base, "solvent_model": "ddcosmo", "solvent_eps": 7.1})
    assert "ddcosmo (eps = 7.1)" in solv.describe()
    # a cation is stabilized by a dielectric (DOL-like eps = 7.1): tens of kcal/mol
    assert run_pyscf(spec(solv), R).energy_hartree - gas < -0.02
    with pytest.raises(InputError, match="solvent_model and solvent_eps go together"):
        LevelOfTheory.from_dict("x", {**base, "solvent_model": "pcm"})


def test_checkpoint_keeps_the_geometry_before_a_rejected_uphill_step(tmp_path):
    """A step far uphill (geomeTRIC rejects it and goes back) is logged in the history, but the
    checkpoint keeps the geometry, energy and gradient before it, so a resume does not start there."""
    import time

    import numpy as np

    from compchem.backends import pyscf_backend

    class FakeMol:
        def __init__(self, coords_bohr):
            self.coords = np.asarray(coords_bohr, dtype=float)

        def atom_coords(self, unit="Bohr"):
            return self.coords

    cache = Cache(tmp_path)
    s = spec(STO, "optimize")
    track = pyscf_backend._Track(s, "ab" * 32, cache, time.perf_counter(), None)
    good = np.asarray(GEOM) / pyscf_backend.BOHR_TO_ANGSTROM
    bad = good + 0.3
    track.step({"energy": -75.0, "gradients": np.full((4, 3), 0.01), "mol": FakeMol(good)})
    track.step({"energy": -74.9, "gradients": np.full((4, 3), 0.2), "mol": FakeMol(bad)})  # +0.1 Ha
    stored = cache.get("ab" * 32, "checkpoint")
    assert [h["energy_hartree"] for h in stored["history"]] == [-75.0, -74.9]
    assert stored["last_gradient"]["energy_hartree"] == -75.0
    assert np.allclose(stored["coordinates_angstrom"], good * pyscf_backend.BOHR_TO_ANGSTROM)
    # a step downhill again moves the checkpoint on
    track.step({"energy": -75.01, "gradients": np.full((4, 3), 0.005), "mol": FakeMol(good + 0.01)})
    stored = cache.get("ab" * 32, "checkpoint")
    assert stored["last_gradient"]["energy_hartree"] == -75.01 and len(stored["history"]) == 3


def test_use_threads_sets_openmp_and_blas_pools():
    """numpy's and scipy's OpenBLAS keep their own pthreads pools (one per core unless told); a DFT job
    must run on its own share of the cores, so both OpenMP and every threaded BLAS are set."""
    import scipy.linalg  # noqa: F401 (loads scipy's OpenBLAS, a pool of its own)
    from pyscf import lib
    from threadpoolctl import threadpool_info

    from compchem.backends.pyscf_backend import use_threads

    def pools():
        return {
            i["filepath"]: i["num_threads"]
            for i in threadpool_info()
            if i["user_api"] == "blas" and i.get("threading_layer") != "disabled"
        }

    before = lib.num_threads()
    try:
        for n in (1, 3):
            use_threads(n)
            assert lib.num_threads() == n
            assert pools() and set(pools().values()) == {n}
    finally:
        use_threads(before)


def test_unreadable_scf_orbitals_fall_back_to_the_default_guess(tmp_path):
    """A job killed while PySCF wrote its chkfile leaves a truncated file: the next run must not trip
    over it, but start from PySCF's default guess (and write a good file again)."""
    start = ((0.0, 0.0, -2.6),) + GEOM[1:]
    cache = Cache(tmp_path)
    job = spec(STO, "optimize", start)
    chk = cache.scf_chk_path(job.content_hash())
    chk.parent.mkdir(parents=True)
    chk.write_bytes(b"\x89HDF\r\n\x1a\n truncated")
    result = run_cached(job, R, cache)
    assert result.converged and result.extra["scf_initial_guess"] == "PySCF default"
    from pyscf.scf import chkfile

    assert chkfile.load_scf(str(chk))[0].natm == 4  # rewritten by the run


def test_coarse_optimization_grid_ends_with_a_single_point_on_the_level_grid(tmp_path):
    """opt_grid_level: the steps run on grid level 1, the recorded energy is a grid-level-3 single point
    at the converged geometry, and the geometry is that of the full-grid optimization."""
    full = LevelOfTheory.from_dict("g", {"basis": "sto-3g", "density_fitting": False, "grid_level": 3})
    coarse = LevelOfTheory.from_dict(
        "g", {"basis": "sto-3g", "density_fitting": False, "grid_level": 3, "opt_grid_level": 1}
    )
    res = run_cached(spec(coarse, task="optimize"), R, Cache(tmp_path / "coarse"))
    assert res.converged and res.extra["opt_grid_level"] == 1
    # the recorded energy is the full-grid one at the final geometry
    at_end = run_pyscf(spec(full, geom=tuple(map(tuple, res.coordinates_angstrom))), R)
    assert res.energy_hartree == pytest.approx(at_end.energy_hartree, abs=1e-8)
    assert res.extra["energy_at_opt_grid_hartree"] != res.energy_hartree  # the steps' grid differs
    assert res.extra["scf_attempts"][-1] == {
        "attempt": "final single point: as configured",
        "converged": True,
    }
    # the same minimum as an optimization on the full grid (within the convergence criteria)
    ref = run_cached(spec(full, task="optimize"), R, Cache(tmp_path / "full"))
    assert res.energy_hartree == pytest.approx(ref.energy_hartree, abs=2e-5)
    li_o = [
        np.linalg.norm(np.subtract(r.coordinates_angstrom[0], r.coordinates_angstrom[1])) for r in (res, ref)
    ]
    assert li_o[0] == pytest.approx(li_o[1], abs=0.01)
    # a full-grid result answers the coarse-grid spec (reusable), and single points ignore the key
    assert ref.spec_hash in spec(coarse, task="optimize").reusable_keys()
    assert spec(coarse).content_hash() == spec(full).content_hash()
    assert spec(coarse, task="optimize").content_hash() != spec(full, task="optimize").content_hash()
    with pytest.raises(InputError, match="opt_grid_level"):
        LevelOfTheory.from_dict("bad", {"grid_level": 3, "opt_grid_level": 4})


def test_a_memory_request_beyond_this_machine_is_capped_for_pyscf(caplog):
    """A 71-atom Zn cluster's estimate (35 GB) on a 24 GB machine: PySCF planned for all of it, built the
    density-fitting tensor in memory and the kernel killed the job. Capped, PySCF keeps it on disk."""
    from compchem.backends.pyscf.scf import MACHINE_MEMORY_SHARE, capped_memory_mb, physical_memory_mb

    physical = physical_memory_mb()
    assert physical is not None and physical > 1000
    assert capped_memory_mb(2000, "small") == 2000
    with caplog.at_level("INFO", logger="compchem"):
        assert capped_memory_mb(10 * physical, "big") == int(MACHINE_MEMORY_SHARE * physical)
    assert "big: PySCF memory" in caplog.text and "go to disk" in caplog.text
