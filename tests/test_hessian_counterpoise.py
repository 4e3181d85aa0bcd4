"""Harmonic frequencies, the imaginary-mode loop, counterpoise and deformation energies: real PySCF
calculations on tiny systems (Li+-H2O and H2O at B3LYP/3-21G, NH3 at B3LYP/STO-3G, no density fitting,
one thread).

Where the reference values come from:

- Regression values "computed with this module" (H2O frequencies) were obtained with PySCF 2.14.0,
  geomeTRIC 1.1.1, grid level 3 on this repository's code; the tolerance allows for optimizer and grid
  differences.
- H2O harmonic frequencies, experiment: 1649 (bend), 3832 (symmetric), 3943 (antisymmetric stretch)
  cm-1 (NIST CCCBDB, experimental harmonic frequencies of H2O). Small basis sets put the bend too high, so
  only wide windows around them are asserted.
- NH3 is pyramidal (H-N-H 106.7 deg, NIST CCCBDB experimental geometry) with an inversion barrier of
  about 5.8 kcal/mol through the planar D3h saddle point (Swalen & Ibers, J. Chem. Phys. 36, 1914 (1962)):
  planar NH3 has exactly one imaginary frequency (the umbrella mode).
- Li+ + H2O -> Li+(H2O): experimental binding enthalpy 34.0 kcal/mol = 1.47 eV (Dzidic & Kebarle,
  J. Phys. Chem. 74, 1466 (1970)); small basis sets overbind and carry a large BSSE.
- Signs that hold by construction: BSSE >= 0 (ghost functions can only lower a variational energy),
  deformation >= 0 at a relaxed minimum, ZPE-corrected binding < electronic binding (the complex gains
  three intermolecular modes), ΔG > ΔH for an association (loss of translational/rotational entropy).
"""

from __future__ import annotations

import dataclasses
import logging
import os

import numpy as np
import pytest

from compchem.analysis.counterpoise import (
    counterpoise_binding,
    counterpoise_specs,
    deformation_energies,
)
from compchem.backends import pyscf_hessian
from compchem.backends.base import run_cached
from compchem.backends.pyscf_hessian import (
    IMAGINARY_THRESHOLD_CM1,
    ensure_minimum,
    frequencies_cached,
    harmonic_frequencies,
)
from compchem.errors import InputError
from compchem.jobs.counterpoise import run_counterpoise
from compchem.models import CalcResult, CalcSpec, LevelOfTheory, Resources
from compchem.records import Cache
from compchem.thermo import reaction_thermo, thermochemistry
from compchem.units import HARTREE_TO_EV, cm1_to_hartree

pytestmark = pytest.mark.dft

R = Resources(threads=1, memory_mb=2000)
L321 = LevelOfTheory.from_dict(
    "b3lyp-321g", {"basis": "3-21g", "density_fitting": False, "scf_conv_tol": 1e-10}
)
STO = LevelOfTheory.from_dict(
    "b3lyp-sto", {"basis": "sto-3g", "density_fitting": False, "scf_conv_tol": 1e-10}
)
LI_H2O = ((0.0, 0.0, -1.85), (0.0, 0.0, 0.0), (0.0, 0.7572, 0.5865), (0.0, -0.7572, 0.5865))
FRAGMENTS = [("Li", [0]), ("H2O", [1, 2, 3])]
CHARGES_MULTS = [(1, 1), (0, 1)]


@pytest.fixture(scope="module")
def quiet():
    with open(os.devnull, "w") as stream:
        yield stream


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return Cache(tmp_path_factory.mktemp("cache"))


def _spec(symbols, coords, charge, level, task, label):
    return CalcSpec(tuple(symbols), tuple(map(tuple, coords)), charge, 1, level, task, label=label)


def _at(result: CalcResult, level=L321) -> CalcSpec:
    return _spec(result.symbols, result.coordinates_angstrom, result.charge, level, "energy", result.label)


@pytest.fixture(scope="module")
def species(cache, quiet):
    """Li+, H2O and Li+-H2O optimized at B3LYP/3-21G, with their frequencies."""
    cx = run_cached(_spec(["Li", "O", "H", "H"], LI_H2O, 1, L321, "optimize", "LiH2O"), R, cache, quiet)
    water = run_cached(_spec(["O", "H", "H"], LI_H2O[1:], 0, L321, "optimize", "H2O"), R, cache, quiet)
    li = run_cached(_spec(["Li"], [(0.0, 0.0, 0.0)], 1, L321, "energy", "Li"), R, cache, quiet)
    freqs = {r.label: frequencies_cached(_at(r), R, cache, quiet) for r in (cx, water, li)}
    return {"complex": cx, "water": water, "li": li, "freqs": freqs}


def test_counterpoise_specs_ghosts_and_own_basis():
    spec = _spec(["Li", "O", "H", "H"], LI_H2O, 1, L321, "optimize", "LiH2O")
    li, water = counterpoise_specs(spec, FRAGMENTS, {"Li": (1, 1), "H2O": (0, 1)})
    assert li.full_basis.ghost_atoms == (1, 2, 3) and li.full_basis.symbols == spec.symbols
    assert li.own_basis.symbols == ("Li",) and li.own_basis.coordinates_angstrom == (LI_H2O[0],)
    assert water.full_basis.ghost_atoms == (0,) and water.own_basis.symbols == ("O", "H", "H")
    assert (water.full_basis.charge, water.own_basis.charge, li.own_basis.charge) == (0, 0, 1)
    assert all(s.task == "energy" for f in (li, water) for s in (f.full_basis, f.own_basis))
    with pytest.raises(InputError, match="in fragments"):
        counterpoise_specs(spec, [("Li", [0, 1]), ("H2O", [1, 2, 3])], CHARGES_MULTS)
    with pytest.raises(InputError, match="belong to no fragment"):
        counterpoise_specs(spec, [("Li", [0]), ("H2O", [1, 2])], CHARGES_MULTS)
    with pytest.raises(InputError, match="do not add up"):
        counterpoise_specs(spec, FRAGMENTS, [(0, 1), (0, 1)])


def test_counterpoise_and_deformation_li_water(species, cache, quiet):
    cx, water, li = species["complex"], species["water"], species["li"]
    out = run_counterpoise(cx, FRAGMENTS, CHARGES_MULTS, L321, R, cache, relaxed=[li, water], stream=quiet)
    print(
        f"Li+-H2O B3LYP/3-21G: raw {out['interaction_raw_ev']:.4f} eV, BSSE {out['bsse_ev']:.4f} eV, "
        f"CP {out['interaction_cp_ev']:.4f} eV, "
        f"E_def(H2O) {out['fragments'][1]['deformation_hartree']:.2e} Ha, "
        f"E_bind {out['binding_ev']:.4f} eV, E_bind,CP {out['binding_cp_ev']:.4f} eV"
    )
    assert out["complex_energy_hartree"] == cx.energy_hartree  # same level: the record's energy is reused
    assert out["bsse_hartree"] > 0
    assert all(f["bsse_hartree"] > 0 for f in out["fragments"])
    assert 0 < out["interaction_cp_hartree"] < out["interaction_raw_hartree"]
    assert out["interaction_raw_hartree"] - out["interaction_cp_hartree"] == pytest.approx(
        out["bsse_hartree"]
    )
    # deformation: water >= 0 (it was relaxed at this level), Li+ (an atom) exactly 0
    assert out["fragments"][1]["deformation_hartree"] >= 0
    assert out["fragments"][0]["deformation_hartree"] == pytest.approx(0.0, abs=1e-9)
    # E_int - E_bind = sum E_def, and E_bind is the SCIENCE.md §2 definition
    assert abs(out["identity_residual_hartree"]) < 1e-10
    e_bind = li.energy_hartree + water.energy_hartree - cx.energy_hartree
    assert out["binding_hartree"] == pytest.approx(e_bind, abs=1e-10)
    assert out["binding_cp_hartree"] == pytest.approx(e_bind - out["bsse_hartree"], abs=1e-10)
    # wide window around experiment (1.47 eV) for a small basis
    assert 1.0 < out["binding_cp_ev"] < out["binding_ev"] < 3.5
    # the pure functions agree with the driver
    pure = counterpoise_binding(cx.energy_hartree, out["fragments"])
    assert pure["bsse_hartree"] == pytest.approx(out["bsse_hartree"])
    deform = deformation_energies([-1.0, -2.0], [-1.0, -2.5], e_complex_hartree=-4.0)
    assert deform["total_deformation_hartree"] == pytest.approx(0.5)
    assert deform["interaction_raw_hartree"] - deform["binding_hartree"] == pytest.approx(0.5)


def test_dispersion_is_added_outside_the_counterpoise_term(species, cache, quiet):
    """D3(BJ) at the same geometry: the BSSE is purely electronic (unchanged), and the raw and CP
    interaction energies both gain the dispersion share Σ E_disp(F_k) − E_disp(C) (SCIENCE.md §2)."""
    import dataclasses

    from compchem.backends.pyscf_backend import dispersion_energy

    cx = species["complex"]
    d3 = dataclasses.replace(L321, name="b3lyp-d3bj-321g", dispersion="d3bj")
    plain = run_counterpoise(cx, FRAGMENTS, CHARGES_MULTS, L321, R, cache, stream=quiet)
    disp = run_counterpoise(cx, FRAGMENTS, CHARGES_MULTS, d3, R, cache, stream=quiet)
    e_disp_cx = dispersion_energy(_at(cx, d3))
    assert e_disp_cx < 0  # attractive, and the complex (with the Li-O pair) more so than the fragments
    assert disp["bsse_hartree"] == pytest.approx(plain["bsse_hartree"], abs=1e-8)
    share = disp["interaction_dispersion_hartree"]
    assert share > 0
    assert share == pytest.approx(sum(f["dispersion_hartree"] for f in disp["fragments"]) - e_disp_cx)
    for key in ("interaction_raw_hartree", "interaction_cp_hartree"):
        assert disp[key] - plain[key] == pytest.approx(share, abs=1e-8)
    with pytest.raises(InputError, match="ghost atoms"):
        dispersion_energy(dataclasses.replace(_at(cx, d3), ghost_atoms=(0,)))


def test_water_frequencies_analytic_vs_finite_difference(species, quiet, monkeypatch):
    water = species["water"]
    analytic = species["freqs"]["H2O"]
    nu = analytic["frequencies_cm1"]
    print(f"H2O B3LYP/3-21G analytic frequencies {np.round(nu, 2).tolist()} cm-1")
    assert analytic["hessian_method"] == "analytic" and len(nu) == 3 and min(nu) > 0
    # wide windows around the experimental harmonic frequencies 1649, 3832, 3943 cm-1
    assert 1500 < nu[0] < 2000 and 3300 < nu[1] < nu[2] < 4200
    # regression: computed with this module (see the module docstring)
    np.testing.assert_allclose(nu, [1692.86, 3415.32, 3555.62], atol=2.0)
    thermo = thermochemistry(water.symbols, water.coordinates_angstrom, nu, water.energy_hartree)
    assert thermo.zpe_hartree > 0
    assert thermo.zpe_hartree == pytest.approx(0.5 * sum(cm1_to_hartree(f) for f in nu), rel=1e-5)
    assert thermo.point_group == "C2v" and thermo.n_imaginary == 0

    # no analytic Hessian -> the documented finite-difference fallback
    def unavailable(mf):
        raise NotImplementedError("no analytic Hessian (simulated)")

    monkeypatch.setattr(pyscf_hessian, "_analytic_hessian", unavailable)
    fd = harmonic_frequencies(_at(water), R, quiet)
    print(f"H2O finite-difference frequencies {np.round(fd['frequencies_cm1'], 2).tolist()} cm-1")
    assert fd["hessian_method"] == "finite-difference" and "simulated" in fd["analytic_unavailable"]
    assert fd["fd_step_bohr"] == pyscf_hessian.FD_STEP_BOHR and fd["n_gradient_evaluations"] == 18
    np.testing.assert_allclose(fd["frequencies_cm1"], nu, atol=3.0)
    # normal modes: unit Cartesian vectors; the two stretches keep the C2v plane (x = 0)
    modes = np.asarray(analytic["normal_modes_cartesian"])
    np.testing.assert_allclose(np.linalg.norm(modes.reshape(3, -1), axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(modes[:, :, 0], 0.0, atol=1e-6)  # water lies in x = 0: all modes in-plane


def test_zpe_and_free_energy_of_association(species):
    """Li+ + H2O -> Li+(H2O): D0 < De, and ΔG > ΔH (entropy loss)."""
    th = {}
    for key, name in (("li", "Li"), ("water", "H2O"), ("complex", "LiH2O")):
        r, f = species[key], species["freqs"][name]
        assert f["n_imaginary"] == 0
        th[key] = thermochemistry(r.symbols, r.coordinates_angstrom, f["frequencies_cm1"], r.energy_hartree)
    assert len(species["freqs"]["LiH2O"]["frequencies_cm1"]) == 6
    rx = reaction_thermo([th["li"], th["water"]], [th["complex"]])
    de, d0 = -rx["delta_energy_hartree"], -rx["delta_zpe_corrected_energy_hartree"]
    print(
        "ZPE (kcal/mol): "
        + ", ".join(f"{k} {t.zpe_hartree * 627.5094740631:.3f}" for k, t in th.items())
        + f"; complex frequencies {np.round(species['freqs']['LiH2O']['frequencies_cm1'], 1).tolist()} cm-1"
    )
    print(
        f"Li+-H2O: De {de * HARTREE_TO_EV:.4f} eV, D0 {d0 * HARTREE_TO_EV:.4f} eV, "
        f"dH {rx['delta_enthalpy_hartree'] * HARTREE_TO_EV:.4f} eV, "
        f"dG {rx['delta_gibbs_hartree'] * HARTREE_TO_EV:.4f} eV"
    )
    assert 0 < d0 < de
    assert rx["delta_enthalpy_hartree"] < rx["delta_gibbs_hartree"] < 0
    assert rx["delta_entropy_hartree_per_k"] < 0


def _oh_distance(coords) -> float:
    c = np.asarray(coords)
    return float(np.linalg.norm(c[1] - c[0]))


def test_thermal_corrections_from_another_level(species, cache, quiet, tmp_path):
    """Composite thermochemistry (config thermo.frequencies_level): H2O optimized at B3LYP/3-21G keeps its
    3-21G electronic energy, and takes its ZPE/H/G corrections from a B3LYP/STO-3G re-optimization and
    Hessian, the same corrections as an all-STO-3G calculation of H2O (same minimum, same frequencies)."""
    from compchem.jobs import thermo_job
    from compchem.records import read_json, write_record

    water = species["water"]
    write_record(tmp_path / "H2O.json", water)
    settings = {
        "temperature_k": 298.15,
        "pressure_atm": 1.0,
        "qrrho": False,
        "standard_state": "1atm",
        "max_imaginary_tries": 1,
    }
    out = tmp_path / "H2O.thermo.json"
    thermo_job(
        str(tmp_path / "H2O.json"),
        L321.to_dict(),
        settings,
        str(out),
        cache_dir=str(cache.root),
        frequencies_level=STO.to_dict(),
    )
    got = read_json(out)
    # all-STO-3G reference: the same water optimized and its frequencies computed at STO-3G
    ref_opt = run_cached(_spec(["O", "H", "H"], LI_H2O[1:], 0, STO, "optimize", "H2O"), R, cache, quiet)
    ref_freq = frequencies_cached(_at(ref_opt, STO), R, cache, quiet)
    ref = thermochemistry(
        ref_opt.symbols, ref_opt.coordinates_angstrom, ref_freq["frequencies_cm1"], ref_opt.energy_hartree
    )
    assert got["composite"] and got["frequencies_level"] == "b3lyp-sto" and got["level"] == "b3lyp-321g"
    assert got["electronic_energy_hartree"] == got["thermo"]["energy_hartree"] == water.energy_hartree
    # the frequencies belong to the STO-3G minimum, not to the 3-21G geometry of the record
    assert abs(_oh_distance(got["coordinates_angstrom"]) - _oh_distance(ref_opt.coordinates_angstrom)) < 2e-3
    assert abs(_oh_distance(got["coordinates_angstrom"]) - _oh_distance(water.coordinates_angstrom)) > 0.01
    np.testing.assert_allclose(got["frequencies"]["frequencies_cm1"], ref_freq["frequencies_cm1"], atol=5.0)
    assert got["thermo"]["zpe_hartree"] == pytest.approx(ref.zpe_hartree, rel=2e-3)
    corrections = ("thermal_correction_enthalpy_hartree", "thermal_correction_gibbs_hartree")
    for key in corrections:
        assert got["thermo"][key] == pytest.approx(getattr(ref, key), rel=2e-3)
    h_corr = got["thermo"]["enthalpy_hartree"] - water.energy_hartree
    assert h_corr == pytest.approx(got["thermo"]["thermal_correction_enthalpy_hartree"], abs=1e-10)


def test_ensure_minimum_keeps_a_minimum(species, cache, quiet):
    def must_not_optimize(spec):
        raise AssertionError("a minimum must not be re-optimized")

    result, history = ensure_minimum(_at(species["water"]), R, must_not_optimize, cache=cache, stream=quiet)
    assert result["is_minimum"] and history == [] and result["optimization"] is None
    assert result["frequencies"]["frequencies_cm1"] == species["freqs"]["H2O"]["frequencies_cm1"]  # cached


def _pyramid_height(coords):
    c = np.asarray(coords)
    normal = np.cross(c[2] - c[1], c[3] - c[1])
    return abs(float((c[0] - c[1]) @ normal / np.linalg.norm(normal)))


def test_planar_ammonia_becomes_pyramidal(cache, quiet):
    planar = [(0.0, 0.0, 0.0), (1.0, 0.0, 0.0), (-0.5, 0.8660254, 0.0), (-0.5, -0.8660254, 0.0)]
    # a D3h start stays D3h: the gradient has no out-of-plane part, so this optimizes to the saddle point
    saddle = run_cached(_spec(["N", "H", "H", "H"], planar, 0, STO, "optimize", "NH3"), R, cache, quiet)
    assert _pyramid_height(saddle.coordinates_angstrom) < 1e-4

    def optimize(spec):
        return run_cached(spec, R, cache, quiet)

    # no tries left: reported as not a minimum, with a warning, nothing raised. (geomeTRIC reconfigures
    # logging and drops pytest's capture handler, so the warning is collected by a handler of our own.)
    warnings: list[str] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: warnings.append(record.getMessage())
    logger = logging.getLogger("compchem.backends.pyscf_hessian")
    logger.addHandler(handler)
    try:
        stuck, none = ensure_minimum(_at(saddle, STO), R, optimize, max_tries=0, cache=cache, stream=quiet)
    finally:
        logger.removeHandler(handler)
    assert stuck["is_minimum"] is False and none == [] and any("NOT a minimum" in w for w in warnings)
    nu0 = stuck["frequencies"]["frequencies_cm1"]
    assert stuck["n_imaginary"] == 1 and nu0[0] < IMAGINARY_THRESHOLD_CM1 and nu0[1] > 0

    result, history = ensure_minimum(
        _at(saddle, STO), R, optimize, displacement_angstrom=0.3, cache=cache, stream=quiet
    )
    nu = result["frequencies"]["frequencies_cm1"]
    c = np.asarray(result["coordinates_angstrom"])
    hnh = np.degrees(
        np.arccos(
            np.dot(c[1] - c[0], c[2] - c[0]) / np.linalg.norm(c[1] - c[0]) / np.linalg.norm(c[2] - c[0])
        )
    )
    barrier = saddle.energy_hartree - result["energy_hartree"]
    print(
        f"NH3 B3LYP/STO-3G: planar imaginary {nu0[0]:.1f} cm-1; after {len(history)} displacement(s): "
        f"lowest {nu[0]:.1f} cm-1, pyramid height {_pyramid_height(c):.3f} A, H-N-H {hnh:.1f} deg, "
        f"barrier {barrier * 627.5094740631:.2f} kcal/mol, {history[0]['n_opt_steps']} opt steps"
    )
    assert result["is_minimum"] and result["n_imaginary"] == 0 and len(nu) == 6 and min(nu) > 0
    assert len(history) == 1 and history[0]["imaginary_frequency_cm1"] == pytest.approx(nu0[0])
    assert history[0]["energy_plus_hartree"] < history[0]["energy_before_hartree"]
    assert history[0]["energy_reoptimized_hartree"] < min(
        history[0]["energy_plus_hartree"], history[0]["energy_minus_hartree"]
    )
    assert _pyramid_height(c) > 0.2 and 98 < hnh < 112 and barrier > 0
    assert result["optimization"]["converged"]


def _thermo_at_xtb(
    record: CalcResult, tmp_path, max_tries: int = 1, geometry: str = "reoptimized", scan=()
) -> dict:
    """thermo_job on ``record`` with GFN2-xTB as the frequencies level (thermo.frequencies_level),
    re-optimized there or at the record's geometry (thermo.frequencies_geometry)."""
    from compchem.jobs import thermo_job
    from compchem.models import xtb_level
    from compchem.records import read_json, write_record

    path = tmp_path / f"{record.label}.json"
    write_record(path, record)
    settings = {
        "temperature_k": 298.15,
        "pressure_atm": 1.0,
        "qrrho": False,
        "standard_state": "1atm",
        "max_imaginary_tries": max_tries,
        "frequencies_geometry": geometry,
        "temperature_scan_k": list(scan),
    }
    out = tmp_path / f"{record.label}.{geometry}.thermo.json"
    thermo_job(str(path), record.level, settings, str(out), frequencies_level=xtb_level("GFN2-xTB"))
    return read_json(out)


def test_thermal_corrections_from_gfn2_xtb(species, tmp_path):
    """Composite with GFN2-xTB frequencies (Grimme's E(DFT) + G_RRHO(xTB) scheme): the B3LYP/3-21G
    energies stay, the corrections come from tblite Hessians at the xTB minima. Reference: the ZPE of
    H2O is 13.2 kcal/mol = 0.0210 Ha (NIST CCCBDB, from the experimental fundamentals); GFN2-xTB lands
    within 10 % of it."""
    with_fragments = dataclasses.replace(
        species["complex"], fragments=[{"name": n, "atom_indices": list(i)} for n, i in FRAGMENTS]
    )
    scan = (253.15, 298.15, 333.15)
    got = {k: _thermo_at_xtb(species[k], tmp_path, scan=scan) for k in ("li", "water")}
    got["complex"] = _thermo_at_xtb(with_fragments, tmp_path, scan=scan)
    for t in got.values():
        assert t["composite"] and t["frequencies_level"] == "GFN2-xTB" and t["is_minimum"]
    assert got["water"]["electronic_energy_hartree"] == species["water"].energy_hartree
    assert len(got["water"]["frequencies"]["frequencies_cm1"]) == 3
    assert len(got["complex"]["frequencies"]["frequencies_cm1"]) == 6
    assert got["water"]["thermo"]["zpe_hartree"] == pytest.approx(0.0210, rel=0.10)
    assert got["water"]["frequencies"]["hessian_method"] == "finite-difference (GFN2-xTB, tblite)"
    # the xTB minimum of Li+(H2O) keeps its Li-O contact; a free ligand has none to compare
    moved = got["complex"]["frequencies_geometry_change"]
    assert moved["coordination_kept"] and moved["coordination_number_after"] == 1
    assert 0.0 < moved["rmsd_angstrom"] < 0.3
    assert got["water"]["frequencies_geometry_change"]["coordination_kept"] is None
    assert got["li"]["frequencies_geometry_change"] is None
    # association Li+ + H2O -> Li+(H2O): D0 < De and dG above dH (binding weaker in free energy)
    th = {k: t["thermo"] for k, t in got.items()}
    d_e = th["li"]["energy_hartree"] + th["water"]["energy_hartree"] - th["complex"]["energy_hartree"]
    d_zpe = th["li"]["zpe_hartree"] + th["water"]["zpe_hartree"] - th["complex"]["zpe_hartree"]
    d_h = th["li"]["enthalpy_hartree"] + th["water"]["enthalpy_hartree"] - th["complex"]["enthalpy_hartree"]
    d_g = th["li"]["gibbs_hartree"] + th["water"]["gibbs_hartree"] - th["complex"]["gibbs_hartree"]
    assert d_zpe < 0 and d_g < d_h < d_e + 0.01
    # thermo.temperature_scan_k: the same frequencies at 253.15, 298.15 and 333.15 K; the 298.15 K
    # point is the main result, and the association's entropy loss weighs more at higher T
    for t in got.values():
        assert [p["temperature_k"] for p in t["temperature_scan"]] == list(scan)
        at_298 = t["temperature_scan"][1]
        assert at_298["gibbs_hartree"] == pytest.approx(t["thermo"]["gibbs_hartree"], abs=1e-12)
        assert at_298["enthalpy_hartree"] == pytest.approx(t["thermo"]["enthalpy_hartree"], abs=1e-12)
    dg_t = [
        sum(got[k]["temperature_scan"][i]["gibbs_hartree"] for k in ("li", "water"))
        - got["complex"]["temperature_scan"][i]["gibbs_hartree"]
        for i in range(3)
    ]
    assert dg_t[0] > dg_t[1] > dg_t[2] > 0


def test_xtb_frequency_level_turns_planar_ammonia_pyramidal(cache, quiet, tmp_path):
    """The imaginary-mode loop with xTB plugged in: planar NH3 (a B3LYP/STO-3G record at the D3h
    saddle point) stays planar in the xTB re-optimization (no out-of-plane gradient), has one imaginary
    umbrella mode there, and is displaced along it and re-optimized to the pyramidal minimum."""
    planar = [(0.0, 0.0, 0.0), (1.0, 0.0, 0.0), (-0.5, 0.8660254, 0.0), (-0.5, -0.8660254, 0.0)]
    saddle = run_cached(_spec(["N", "H", "H", "H"], planar, 0, STO, "optimize", "NH3"), R, cache, quiet)
    got = _thermo_at_xtb(saddle, tmp_path, max_tries=2)
    history = got["imaginary_mode_history"]
    assert len(history) == 1 and history[0]["imaginary_frequency_cm1"] < -100
    assert got["is_minimum"] and got["n_imaginary"] == 0
    assert _pyramid_height(got["coordinates_angstrom"]) > 0.2  # NH3 is ~0.38 Å high (CCCBDB geometry)
    assert got["electronic_energy_hartree"] == saddle.energy_hartree


def test_xtb_hessian_at_the_run_level_geometry(species, cache, quiet, tmp_path):
    """thermo.frequencies_geometry run_level: the GFN2-xTB Hessian at the B3LYP geometry as it is. The
    structure does not move (so the ion keeps its donors), its corrections differ from those at the xTB
    minimum only by the geometry; a saddle point is reported, not displaced."""
    with_fragments = dataclasses.replace(
        species["complex"], fragments=[{"name": n, "atom_indices": list(i)} for n, i in FRAGMENTS]
    )
    at_run = _thermo_at_xtb(with_fragments, tmp_path, geometry="run_level")
    reopt = _thermo_at_xtb(with_fragments, tmp_path)
    assert at_run["frequencies_geometry"] == "run_level" and reopt["frequencies_geometry"] == "reoptimized"
    assert np.allclose(at_run["coordinates_angstrom"], with_fragments.coordinates_angstrom, atol=1e-9)
    moved = at_run["frequencies_geometry_change"]
    assert moved["rmsd_angstrom"] == 0.0 and moved["coordination_kept"]
    assert at_run["electronic_energy_hartree"] == with_fragments.energy_hartree
    assert at_run["imaginary_mode_history"] == []
    d_zpe, d_g = (
        at_run["thermo"][k] - reopt["thermo"][k] for k in ("zpe_hartree", "thermal_correction_gibbs_hartree")
    )
    print(
        "Li+(H2O) GFN2-xTB corrections at the B3LYP geometry minus at the xTB minimum: "
        f"ZPE {d_zpe:+.5f}, G {d_g:+.5f} Ha"
    )
    # same molecule, nearby geometry: the corrections agree to a few mHa (not exactly: other geometry)
    assert at_run["thermo"]["zpe_hartree"] != reopt["thermo"]["zpe_hartree"]
    assert at_run["thermo"]["zpe_hartree"] == pytest.approx(reopt["thermo"]["zpe_hartree"], abs=3e-3)
    # planar NH3 (a B3LYP/STO-3G saddle point): reported with its imaginary umbrella mode, left planar
    planar = [(0.0, 0.0, 0.0), (1.0, 0.0, 0.0), (-0.5, 0.8660254, 0.0), (-0.5, -0.8660254, 0.0)]
    saddle = run_cached(_spec(["N", "H", "H", "H"], planar, 0, STO, "optimize", "NH3"), R, cache, quiet)
    got = _thermo_at_xtb(saddle, tmp_path, max_tries=2, geometry="run_level")
    assert not got["is_minimum"] and got["n_imaginary"] == 1 and got["imaginary_mode_history"] == []
    assert _pyramid_height(got["coordinates_angstrom"]) < 1e-6
    assert got["thermo"]["n_imaginary"] == 1
