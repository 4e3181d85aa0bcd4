"""Harmonic frequencies with PySCF (SCIENCE.md §2).

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

The harmonic analysis itself (projection of translations and rotations, masses, the fields of a frequency
dict) is shared with xTB and lives in ``compchem.backends.vibrations``; the "is it a minimum?" loop lives
in ``compchem.backends.minimum``. ``frequencies_cached`` stores the result in the content cache.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from typing import IO, Any

import numpy as np

from compchem.backends.pyscf.scf import SCF_LADDER, _software, build_mole, make_scf, use_threads
from compchem.backends.vibrations import (
    IMAGINARY_THRESHOLD_CM1,
    _Geometry,
    common_isotope_masses,
    frequency_fields,
    frequency_spec,
    harmonic_analysis,
)
from compchem.errors import ConvergenceError, InputError
from compchem.models import CalcSpec, Resources
from compchem.records import Cache
from compchem.units import BOHR_TO_ANGSTROM

__all__ = [
    "CPHF_RETRY_SHIFT",
    "FD_SCF_CONV_TOL",
    "FD_STEP_BOHR",
    "HESSIAN_METHODS",
    "IMAGINARY_THRESHOLD_CM1",
    "_Geometry",
    "common_isotope_masses",
    "frequencies_cached",
    "frequency_fields",
    "frequency_spec",
    "harmonic_analysis",
    "harmonic_frequencies",
]

#: the logger of the module this code came from, so that log lines stay the same
log = logging.getLogger("compchem.backends.pyscf_hessian")

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


@dataclasses.dataclass
class _Hessian:
    """A Hessian at one geometry and how it was had: the method used (and why not the analytic one),
    the SCF energy and attempts, finite-difference gradient count and CPHF level shift."""

    hessian: np.ndarray
    energy: float
    attempts: list[dict[str, Any]]
    used: str
    reason: str | None = None
    n_grad: int = 0
    shift: float | None = None


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
    h = _hessian(fspec, resources, stream, method, fd_step_bohr)
    analysis = harmonic_analysis(spec.symbols, spec.coordinates_angstrom, h.hessian)
    fields = frequency_fields(spec, h.energy, analysis)
    freqs, n_imag = fields["frequencies_cm1"], fields["n_imaginary"]
    wall = time.perf_counter() - t0
    log.info(
        "%s: %s Hessian, %d frequencies, lowest %s cm-1, %d imaginary (< %g cm-1), %.1f s",
        spec.label,
        h.used,
        len(freqs),
        f"{min(freqs):.1f}" if freqs else "-",
        n_imag,
        IMAGINARY_THRESHOLD_CM1,
        wall,
    )
    return _frequencies_record(spec, fspec, fields, h, fd_step_bohr, wall, resources)


def _frequencies_record(
    spec: CalcSpec,
    fspec: CalcSpec,
    fields: dict[str, Any],
    h: _Hessian,
    fd_step_bohr: float,
    wall: float,
    resources: Resources,
) -> dict[str, Any]:
    """The frequencies dict ``harmonic_frequencies`` returns (and the cache stores), keys in order."""
    natm = len(spec.symbols)
    return {
        "label": spec.label,
        "spec_hash": fspec.content_hash(),
        "level": fspec.level.to_dict(),
        **fields,
        "hessian_method": h.used,
        "fd_step_bohr": fd_step_bohr if h.used == "finite-difference" else None,
        "n_gradient_evaluations": h.n_grad,
        "analytic_unavailable": h.reason,
        "grid_response": False,
        "cphf_level_shift_hartree": h.shift,
        "hessian_hartree_per_bohr2": np.asarray(h.hessian)
        .transpose(0, 2, 1, 3)
        .reshape(3 * natm, -1)
        .tolist(),
        "scf_attempts": h.attempts,
        "wall_time_s": round(wall, 2),
        "threads": resources.threads,
        "software": _software(),
    }


def _hessian(
    fspec: CalcSpec, resources: Resources, stream: IO[str] | None, method: str, fd_step_bohr: float
) -> _Hessian:
    """The Hessian at ``fspec``'s geometry by ``method``: analytic where PySCF has one (``auto`` falls
    back to finite differences when it has none or its CPHF solve fails), else finite differences."""
    conv_tol = FD_SCF_CONV_TOL if method == "finite-difference" else None
    mf, energy, attempts = _converged_scf(fspec, resources, stream, conv_tol)
    if len(fspec.symbols) == 1:
        return _Hessian(np.zeros((1, 1, 3, 3)), energy, attempts, "none (single atom)")
    reason = None
    if method in ("auto", "analytic"):
        try:
            hessian, shift = _analytic_hessian(mf)
            return _Hessian(hessian, energy, attempts, "analytic", shift=shift)
        except (NotImplementedError, AttributeError, RuntimeError) as exc:
            # NotImplementedError (a RuntimeError subclass) / AttributeError: PySCF has no analytic
            # Hessian for this method; a plain RuntimeError about convergence: its CPHF solve failed
            # even with the level shift. Any other error propagates.
            cphf_failed = type(exc) is RuntimeError and "converge" in str(exc)
            unavailable = isinstance(exc, (NotImplementedError, AttributeError))
            if method == "analytic" or not (unavailable or cphf_failed):
                raise
            reason = f"{type(exc).__name__}: {exc}"
            log.warning("%s: no analytic Hessian (%s); finite differences of gradients", fspec.label, reason)
            mf, energy, attempts = _converged_scf(fspec, resources, stream, FD_SCF_CONV_TOL)
    hessian, n_grad = _fd_hessian(mf, fd_step_bohr)
    return _Hessian(hessian, energy, attempts, "finite-difference", reason=reason, n_grad=n_grad)


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
