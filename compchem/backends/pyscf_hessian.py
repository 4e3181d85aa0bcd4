"""Harmonic frequencies with PySCF, and the "is it a minimum?" loop of SCIENCE.md §2.

``harmonic_frequencies`` computes the Cartesian Hessian at a spec's geometry with the spec's level of
theory and turns it into harmonic frequencies and normal modes:

- **Analytic Hessian** (preferred): PySCF's ``mf.Hessian()`` (RKS/UKS; with density fitting the
  ``pyscf.df.hessian`` implementation that ``mf.density_fit()`` objects provide). Like the analytic
  gradients used for optimization, it leaves out the response of the DFT integration grid to the
  nuclear positions (PySCF's default, ``grid_response = False``). If the coupled-perturbed (CPKS)
  solve stalls, it is repeated with a level shift that does not change its solution (``CPHF_RETRY_SHIFT``).
- **Finite differences** (fallback when PySCF has no analytic Hessian for the method or its CPKS solve
  fails, or on request): central differences of analytic gradients,
  ``H[i, j] = (g_j(x + h e_i) − g_j(x − h e_i)) / 2h`` with ``h = FD_STEP_BOHR`` (0.005 Bohr), then
  symmetrized ``(H + Hᵀ)/2``; 6N gradient evaluations. The SCF convergence threshold is tightened to
  ``FD_SCF_CONV_TOL`` for these so that SCF noise, amplified by 1/2h, stays far below the signal.

The harmonic analysis is PySCF's ``pyscf.hessian.thermo.harmonic_analysis``: mass-weight the Hessian,
project out the 3 translations and 3 rotations (2 for a linear molecule), diagonalize. Masses are those of
the most common isotope of each element (ASE's table, Gaussian's default), the same masses
``compchem.thermo.thermochemistry`` uses, so frequencies and thermochemistry agree. Imaginary frequencies
are returned as negative numbers (cm⁻¹), as Gaussian prints them and ``thermochemistry`` expects.

``ensure_minimum`` checks an optimized structure: while it has an imaginary frequency below
``IMAGINARY_THRESHOLD_CM1`` it displaces along that mode (the sign of lower energy) and re-optimizes, at
most ``max_tries`` times, and records every try.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from typing import IO, Any

import numpy as np

from compchem.backends.pyscf_backend import SCF_LADDER, _software, build_mole, make_scf, use_threads
from compchem.errors import ConvergenceError, InputError
from compchem.models import CalcResult, CalcSpec, Resources
from compchem.records import Cache
from compchem.units import ANGSTROM_TO_BOHR, BOHR_TO_ANGSTROM

log = logging.getLogger(__name__)

#: A frequency below this (cm⁻¹, imaginary ones are negative) marks a structure as not a minimum.
#: Numerical noise (DFT integration grid, loosely converged optimization, the projection of translations
#: and rotations) gives floppy molecules spurious imaginary values of a few to ~20i cm⁻¹ that are not a
#: real saddle point; genuine transition-state-like modes are far below that.
IMAGINARY_THRESHOLD_CM1: float = -20.0

#: Energies of the two displaced structures closer than this (Hartree) count as equal (a symmetric saddle
#: point, e.g. planar NH3, whose two displacements are mirror images); the + direction is then taken.
SIGN_TIE_HARTREE: float = 1e-8

#: Step of the central finite differences of analytic gradients, in Bohr (≈ 0.0026 Å): small enough that
#: the O(h²) truncation error is negligible for harmonic frequencies, large enough that SCF and grid
#: noise in the gradients (amplified by 1/2h) stays below ~1 cm⁻¹.
FD_STEP_BOHR: float = 0.005

#: SCF convergence threshold (Hartree) used for the finite-difference gradients (at most this).
FD_SCF_CONV_TOL: float = 1e-11

#: Level shift (Hartree) of the coupled-perturbed (CPHF/CPKS) solve, used only when the unshifted solve
#: fails. PySCF's ``cphf.solve_withs1`` adds it to the orbital-energy denominators and subtracts it from
#: the response again, so it conditions the Krylov solver without changing the solution: for planar NH3
#: at B3LYP/STO-3G, shifts of 0.1 and 0.5 Ha give the same frequencies to 0.01 cm⁻¹, and finite
#: differences agree within 0.1 cm⁻¹ (checked with this module, PySCF 2.14.0).
CPHF_RETRY_SHIFT: float = 0.1

HESSIAN_METHODS: tuple[str, ...] = ("auto", "analytic", "finite-difference")


def common_isotope_masses(symbols: list[str] | tuple[str, ...]) -> np.ndarray:
    """Masses (amu) of the most common isotope of each element (ASE's table; compchem.thermo's masses)."""
    from ase.data import atomic_masses_common, atomic_numbers

    try:
        return np.array([float(atomic_masses_common[atomic_numbers[s]]) for s in symbols])
    except KeyError as exc:
        raise InputError(f"unknown element symbol {exc.args[0]!r}") from None


def frequency_spec(spec: CalcSpec) -> CalcSpec:
    """The single-point spec at ``spec``'s geometry that frequencies are keyed on (task ``energy``,
    without a pre-optimization stage, which only concerns optimizations)."""
    return dataclasses.replace(spec, task="energy", level=spec.level.single_point_level())


def _converged_scf(
    spec: CalcSpec, resources: Resources, stream: IO[str] | None, conv_tol: float | None = None
) -> tuple[Any, float, list[dict[str, Any]]]:
    """Converged SCF object at ``spec``'s geometry, walking ``SCF_LADDER`` as ``run_pyscf`` does."""
    mol = build_mole(spec, stream, max_memory_mb=int(0.85 * resources.memory_mb))
    attempts: list[dict[str, Any]] = []
    for name, settings in SCF_LADDER:
        mf = make_scf(mol, spec.level, settings)
        if conv_tol is not None:
            mf.conv_tol = min(mf.conv_tol, conv_tol)
        energy = float(mf.kernel())
        attempts.append({"attempt": name, "converged": bool(mf.converged)})
        if mf.converged:
            if settings.get("newton"):
                mf = mf.undo_soscf()  # the Hessian and gradient classes belong to the plain SCF class
            return mf, energy, attempts
        log.warning("%s: SCF attempt '%s' did not converge", spec.label, name)
    raise ConvergenceError(f"{spec.label}: SCF did not converge on any of {len(SCF_LADDER)} attempts")


def _analytic_hessian(mf: Any) -> tuple[np.ndarray, float]:
    """PySCF analytic Hessian, shape (natm, natm, 3, 3), Hartree/Bohr², and the CPHF level shift used.

    When PySCF's Krylov solver of the coupled-perturbed equations stalls (it does, for example, for
    planar NH3 at B3LYP/STO-3G, a tiny virtual space), the solve is repeated with the level shift
    ``CPHF_RETRY_SHIFT``.
    """
    try:
        return np.asarray(mf.Hessian().kernel()), 0.0
    except RuntimeError as exc:
        if "Krylov" not in str(exc):
            raise
        log.warning("CPHF did not converge (%s); retrying with level shift %g Ha", exc, CPHF_RETRY_SHIFT)
    hess = mf.Hessian()
    hess.level_shift = CPHF_RETRY_SHIFT
    return np.asarray(hess.kernel()), CPHF_RETRY_SHIFT


def _fd_hessian(mf: Any, step_bohr: float) -> tuple[np.ndarray, int]:
    """Central finite differences of analytic gradients, shape (natm, natm, 3, 3), Hartree/Bohr²."""
    mol = mf.mol
    natm = mol.natm
    coords0 = np.asarray(mol.atom_coords(unit="Bohr"))
    scanner = mf.nuc_grad_method().as_scanner()
    rows = np.zeros((3 * natm, 3 * natm))
    n_grad = 0
    for i in range(3 * natm):
        grads = []
        for sign in (1.0, -1.0):
            coords = coords0.copy()
            coords[i // 3, i % 3] += sign * step_bohr
            _, grad = scanner(mol.set_geom_(coords * BOHR_TO_ANGSTROM, unit="Angstrom", inplace=False))
            if not scanner.converged:
                raise ConvergenceError(
                    f"SCF did not converge at finite-difference displacement {i} ({sign:+})"
                )
            grads.append(np.asarray(grad).ravel())
            n_grad += 1
        rows[i] = (grads[0] - grads[1]) / (2.0 * step_bohr)
    rows = 0.5 * (rows + rows.T)
    return rows.reshape(natm, 3, natm, 3).transpose(0, 2, 1, 3), n_grad


class _Geometry:
    """What ``pyscf.hessian.thermo.harmonic_analysis`` reads from a molecule when masses are given: the
    coordinates in Bohr (no basis set needed)."""

    def __init__(self, coordinates_bohr: np.ndarray) -> None:
        self._coords = coordinates_bohr

    def atom_coords(self) -> np.ndarray:
        return self._coords


def harmonic_analysis(
    symbols: list[str] | tuple[str, ...], coordinates_angstrom: Any, hessian: np.ndarray
) -> dict[str, Any]:
    """Frequencies (cm⁻¹, imaginary as negative) and normalized Cartesian normal modes of a Hessian.

    ``hessian`` has shape (natm, natm, 3, 3) in Hartree/Bohr² (PySCF's layout). Translations and
    rotations are projected out by ``pyscf.hessian.thermo.harmonic_analysis``; masses are the most common
    isotopes. Modes are sorted by frequency; each is the Cartesian displacement (mass-weighted eigenvector
    times m^-1/2) normalized to unit length.
    """
    from pyscf.hessian import thermo as pyscf_thermo

    masses = common_isotope_masses(symbols)
    if len(symbols) == 1:
        return {
            "frequencies_cm1": [],
            "normal_modes_cartesian": [],
            "reduced_masses_amu": [],
            "masses": masses,
        }
    mol = _Geometry(np.asarray(coordinates_angstrom, dtype=float) * ANGSTROM_TO_BOHR)
    res = pyscf_thermo.harmonic_analysis(mol, np.asarray(hessian), imaginary_freq=False, mass=masses)
    freqs = np.asarray(res["freq_wavenumber"], dtype=float)
    modes = np.asarray(res["norm_mode"], dtype=float)  # (nmode, natm, 3), Cartesian displacements
    norms = np.linalg.norm(modes.reshape(len(modes), -1), axis=1)
    modes = modes / norms[:, None, None]
    return {
        "frequencies_cm1": freqs.tolist(),
        "normal_modes_cartesian": modes.round(8).tolist(),
        "reduced_masses_amu": np.asarray(res["reduced_mass"], dtype=float).tolist(),
        "masses": masses,
    }


def frequency_fields(spec: CalcSpec, energy_hartree: float, analysis: dict[str, Any]) -> dict[str, Any]:
    """The structure, energy and ``harmonic_analysis`` results as every frequency dict carries them
    (PySCF's here, xTB's in ``compchem.backends.xtb``), with the imaginary modes counted."""
    freqs = analysis["frequencies_cm1"]
    return {
        "symbols": list(spec.symbols),
        "coordinates_angstrom": [list(map(float, r)) for r in spec.coordinates_angstrom],
        "charge": spec.charge,
        "multiplicity": spec.multiplicity,
        "energy_hartree": energy_hartree,
        "frequencies_cm1": freqs,
        "normal_modes_cartesian": analysis["normal_modes_cartesian"],
        "reduced_masses_amu": analysis["reduced_masses_amu"],
        "masses_amu": analysis["masses"].tolist(),
        "n_imaginary": sum(1 for f in freqs if f < IMAGINARY_THRESHOLD_CM1),
        "imaginary_threshold_cm1": IMAGINARY_THRESHOLD_CM1,
    }


def harmonic_frequencies(
    spec: CalcSpec,
    resources: Resources,
    stream: IO[str] | None = None,
    *,
    method: str = "auto",
    fd_step_bohr: float = FD_STEP_BOHR,
) -> dict[str, Any]:
    """Harmonic frequencies and normal modes at ``spec``'s geometry with ``spec.level``.

    Parameters
    ----------
    spec : CalcSpec
        Structure, charge, multiplicity and level; the task is ignored (the geometry should be an
        optimized one). Ghost atoms are not allowed.
    resources : Resources
        Threads and memory.
    stream : file, optional
        PySCF's output.
    method : {"auto", "analytic", "finite-difference"}
        ``auto`` tries the analytic Hessian and falls back to finite differences of analytic gradients
        when PySCF has none for this method (NotImplementedError or a missing ``Hessian``).
    fd_step_bohr : float
        Finite-difference step in Bohr.

    Returns
    -------
    dict
        ``frequencies_cm1`` (3N−6 or 3N−5, ascending, imaginary as negative), ``normal_modes_cartesian``
        (one unit-length natm×3 displacement per frequency), ``reduced_masses_amu``, ``masses_amu``,
        ``n_imaginary`` (below ``IMAGINARY_THRESHOLD_CM1``), ``hessian_method`` ("analytic" or
        "finite-difference"), ``fd_step_bohr`` (None if analytic), ``analytic_unavailable`` (reason of a
        fallback, or None), ``hessian_hartree_per_bohr2`` (3N×3N), ``energy_hartree``, ``wall_time_s``
        and the provenance (spec hash of the single point at this geometry, level, software).

    Raises
    ------
    InputError
        Unknown ``method``, ghost atoms, or what ``build_mole`` rejects.
    ConvergenceError
        The SCF did not converge (on any rung of ``SCF_LADDER``, or at a finite-difference displacement).
    """
    from pyscf import lib

    if method not in HESSIAN_METHODS:
        raise InputError(f"unknown Hessian method '{method}', known: {HESSIAN_METHODS}")
    if spec.ghost_atoms:
        raise InputError(f"{spec.label}: frequencies with ghost atoms are not meaningful")
    use_threads(resources.threads)
    if resources.scratch_dir:
        lib.param.TMPDIR = resources.scratch_dir
    t0 = time.perf_counter()
    fspec = frequency_spec(spec)
    natm = len(spec.symbols)
    conv_tol = FD_SCF_CONV_TOL if method == "finite-difference" else None
    mf, energy, attempts = _converged_scf(fspec, resources, stream, conv_tol)
    used, reason, n_grad, shift = method, None, 0, None
    if natm == 1:
        hessian, used = np.zeros((1, 1, 3, 3)), "none (single atom)"
    elif method in ("auto", "analytic"):
        try:
            (hessian, shift), used = _analytic_hessian(mf), "analytic"
        except (NotImplementedError, AttributeError, RuntimeError) as exc:
            # NotImplementedError (a RuntimeError subclass) / AttributeError: PySCF has no analytic
            # Hessian for this method; a plain RuntimeError about convergence: its CPHF solve failed
            # even with the level shift. Any other error propagates.
            cphf_failed = type(exc) is RuntimeError and "converge" in str(exc)
            unavailable = isinstance(exc, (NotImplementedError, AttributeError))
            if method == "analytic" or not (unavailable or cphf_failed):
                raise
            reason = f"{type(exc).__name__}: {exc}"
            log.warning("%s: no analytic Hessian (%s); finite differences of gradients", spec.label, reason)
            mf, energy, attempts = _converged_scf(fspec, resources, stream, FD_SCF_CONV_TOL)
            used = "finite-difference"
    if used == "finite-difference":
        hessian, n_grad = _fd_hessian(mf, fd_step_bohr)
    analysis = harmonic_analysis(spec.symbols, spec.coordinates_angstrom, hessian)
    fields = frequency_fields(spec, energy, analysis)
    freqs, n_imag = fields["frequencies_cm1"], fields["n_imaginary"]
    wall = time.perf_counter() - t0
    log.info(
        "%s: %s Hessian, %d frequencies, lowest %s cm-1, %d imaginary (< %g cm-1), %.1f s",
        spec.label,
        used,
        len(freqs),
        f"{min(freqs):.1f}" if freqs else "-",
        n_imag,
        IMAGINARY_THRESHOLD_CM1,
        wall,
    )
    return {
        "label": spec.label,
        "spec_hash": fspec.content_hash(),
        "level": fspec.level.to_dict(),
        **fields,
        "hessian_method": used,
        "fd_step_bohr": fd_step_bohr if used == "finite-difference" else None,
        "n_gradient_evaluations": n_grad,
        "analytic_unavailable": reason,
        "grid_response": False,
        "cphf_level_shift_hartree": shift,
        "hessian_hartree_per_bohr2": np.asarray(hessian).transpose(0, 2, 1, 3).reshape(3 * natm, -1).tolist(),
        "scf_attempts": attempts,
        "wall_time_s": round(wall, 2),
        "threads": resources.threads,
        "software": _software(),
    }


def frequencies_cached(
    spec: CalcSpec, resources: Resources, cache: Cache | None = None, stream: IO[str] | None = None
) -> dict[str, Any]:
    """``harmonic_frequencies`` (method "auto"), stored in ``cache`` as kind ``frequencies`` under the
    content hash of the single point at this geometry (``frequency_spec``)."""
    fspec = frequency_spec(spec)
    key = fspec.content_hash()
    if cache is not None and (found := cache.find(fspec.reusable_keys(), "frequencies")) is not None:
        log.info("%s: reusing cached frequencies %s", spec.label, cache.path(found[0], "frequencies"))
        return {**found[1], "label": spec.label}
    result = harmonic_frequencies(spec, resources, stream)
    if cache is not None:
        cache.put(key, "frequencies", result, overwrite=False)
    return result


def ensure_minimum(
    spec: CalcSpec,
    resources: Resources,
    optimize: Callable[[CalcSpec], CalcResult],
    max_tries: int = 2,
    displacement_angstrom: float = 0.1,
    cache: Cache | None = None,
    stream: IO[str] | None = None,
    frequencies: Callable[[CalcSpec], dict[str, Any]] | None = None,
    single_point: Callable[[CalcSpec], float] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Make sure an optimized structure is a minimum: displace along an imaginary mode and re-optimize.

    Frequencies are computed at ``spec``'s geometry (an optimized structure). While the lowest one is
    below ``IMAGINARY_THRESHOLD_CM1`` and tries remain, the structure is displaced along that mode (unit
    Cartesian vector times ``displacement_angstrom``, so the displacement has that length in all), with
    the sign of lower energy (both evaluated by a single point; a tie, as at a symmetric saddle point,
    takes +), re-optimized with ``optimize`` (called with the displaced spec, task ``optimize``), and
    its frequencies are recomputed. A structure still imaginary after ``max_tries`` is returned with
    ``is_minimum: False`` and a warning; nothing is raised.

    Parameters
    ----------
    spec : CalcSpec
        The optimized structure and its level.
    resources : Resources
        Threads and memory of the frequency and single-point calculations.
    optimize : callable
        ``CalcSpec -> CalcResult``, e.g. ``lambda s: run_cached(s, resources, cache)``.
    max_tries : int
        Displacements at most.
    displacement_angstrom : float
        Length of each displacement (Å).
    cache : Cache, optional
        Stores frequencies and single points.
    stream : file, optional
        PySCF's output.
    frequencies, single_point : callable, optional
        ``CalcSpec -> frequencies dict`` and ``CalcSpec -> energy (Hartree)`` at a spec's geometry; by
        default PySCF at ``spec``'s level (``frequencies_cached``, ``run_cached``). Another method plugs in
        here (GFN-xTB: ``compchem.backends.xtb``).

    Returns
    -------
    (dict, list of dict)
        The final structure: ``symbols``, ``coordinates_angstrom``, ``charge``, ``multiplicity``,
        ``energy_hartree`` (single point at the final geometry), ``is_minimum``, ``n_imaginary``,
        ``n_displacements``, ``frequencies`` (the ``harmonic_frequencies`` dict), ``optimization`` (the
        last re-optimization's CalcResult as a dict, or None) and ``note``; and the history, one entry
        per try: the imaginary frequency followed, the displacement, the energies before and at ±, the
        chosen sign, the re-optimized energy, its lowest frequency and number of optimization steps.
    """
    from compchem.backends.base import run_cached

    if max_tries < 0 or displacement_angstrom <= 0:
        raise InputError("ensure_minimum needs max_tries >= 0 and displacement_angstrom > 0")
    if frequencies is None:

        def frequencies(s: CalcSpec) -> dict[str, Any]:
            return frequencies_cached(s, resources, cache, stream)

    if single_point is None:

        def single_point(s: CalcSpec) -> float:
            return run_cached(frequency_spec(s), resources, cache, stream).energy_hartree

    current = spec
    freq = frequencies(current)
    initial_lowest = min(freq["frequencies_cm1"], default=None)
    history: list[dict[str, Any]] = []
    last_opt: CalcResult | None = None
    tries = 0
    while (
        freq["frequencies_cm1"]
        and min(freq["frequencies_cm1"]) < IMAGINARY_THRESHOLD_CM1
        and tries < max_tries
    ):
        tries += 1
        k = int(np.argmin(freq["frequencies_cm1"]))
        nu = freq["frequencies_cm1"][k]
        vec = np.asarray(freq["normal_modes_cartesian"][k], dtype=float)
        vec /= np.linalg.norm(vec)
        coords0 = np.asarray(current.coordinates_angstrom, dtype=float)
        energies = {}
        for sign in (1, -1):
            displaced = coords0 + sign * displacement_angstrom * vec
            sp = dataclasses.replace(
                current,
                coordinates_angstrom=tuple(map(tuple, displaced.tolist())),
                label=f"{spec.label}.displaced{tries}{'+' if sign > 0 else '-'}",
            )
            energies[sign] = single_point(sp)
        sign = 1 if energies[1] <= energies[-1] + SIGN_TIE_HARTREE else -1
        start = coords0 + sign * displacement_angstrom * vec
        log.warning(
            "%s: imaginary frequency %.1f cm-1 (try %d/%d): displacing %+.3f Å along it "
            "(E+ %.8f, E- %.8f Ha) and re-optimizing",
            spec.label,
            nu,
            tries,
            max_tries,
            sign * displacement_angstrom,
            energies[1],
            energies[-1],
        )
        opt_spec = dataclasses.replace(
            spec,
            coordinates_angstrom=tuple(map(tuple, start.tolist())),
            task="optimize",
            label=f"{spec.label}.reopt{tries}",
        )
        last_opt = optimize(opt_spec)
        current = dataclasses.replace(
            spec, coordinates_angstrom=tuple(map(tuple, np.asarray(last_opt.coordinates_angstrom).tolist()))
        )
        energy_before = freq["energy_hartree"]
        freq = frequencies(current)
        history.append(
            {
                "try": tries,
                "imaginary_frequency_cm1": nu,
                "mode_index": k,
                "displacement_angstrom": displacement_angstrom,
                "sign": sign,
                "energy_before_hartree": energy_before,
                "energy_plus_hartree": energies[1],
                "energy_minus_hartree": energies[-1],
                "energy_reoptimized_hartree": last_opt.energy_hartree,
                "n_opt_steps": last_opt.n_opt_steps,
                "optimization_spec_hash": last_opt.spec_hash,
                "lowest_frequency_cm1_after": min(freq["frequencies_cm1"], default=None),
                "n_imaginary_after": freq["n_imaginary"],
            }
        )
    is_minimum = freq["n_imaginary"] == 0
    if is_minimum:
        note = f"minimum: no frequency below {IMAGINARY_THRESHOLD_CM1} cm-1" + (
            f" after {tries} displacement(s) along imaginary modes and re-optimization" if tries else ""
        )
    else:
        note = (
            f"NOT a minimum: {freq['n_imaginary']} imaginary frequency(ies) below {IMAGINARY_THRESHOLD_CM1} "
            f"cm-1 (lowest {min(freq['frequencies_cm1']):.1f}) after {tries} displacement(s)"
        )
        log.warning("%s: %s", spec.label, note)
    result = {
        "label": spec.label,
        "symbols": list(current.symbols),
        "coordinates_angstrom": [list(map(float, r)) for r in current.coordinates_angstrom],
        "charge": current.charge,
        "multiplicity": current.multiplicity,
        "energy_hartree": freq["energy_hartree"],
        "is_minimum": is_minimum,
        "n_imaginary": freq["n_imaginary"],
        "imaginary_threshold_cm1": IMAGINARY_THRESHOLD_CM1,
        "initial_lowest_frequency_cm1": initial_lowest,
        "n_displacements": tries,
        "frequencies": freq,
        "optimization": last_opt.to_dict() if last_opt is not None else None,
        "note": note,
    }
    return result, history
