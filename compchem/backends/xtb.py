"""GFN2-xTB through tblite's ASE calculator: pre-optimization (ASE's BFGS), tight minimizations
(geomeTRIC, the optimizer of the DFT levels), a finite-difference
Cartesian Hessian (the initial Hessian of a DFT geometry optimization), and xTB as the frequency level of
a composite thermochemistry (DFT electronic energies + xTB ZPE/H/G corrections)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

import numpy as np
from ase import Atoms
from ase.optimize import BFGS

from compchem.backends.vibrations import frequency_fields, harmonic_analysis
from compchem.errors import BackendUnavailableError, ConvergenceError
from compchem.held import HeldDistance, ase_constraint, held_report, projected_gradient
from compchem.models import CalcResult, CalcSpec, Resources, fragment_records, xtb_level
from compchem.models.level_keys import XTB_OPTIMIZER
from compchem.records import Cache
from compchem.units import BOHR_TO_ANGSTROM, EV_TO_HARTREE

log = logging.getLogger(__name__)


#: tblite's own SCC accuracy (the pose search uses it; Hessians and frequency levels use 0.01)
TBLITE_DEFAULT_ACCURACY: float = 1.0


def _calculator(method: str, charge: int, multiplicity: int, accuracy: float) -> Any:
    """tblite's ASE calculator (BackendUnavailableError when tblite is missing)."""
    try:
        from tblite.ase import TBLite
    except ImportError as exc:  # pragma: no cover - tblite is a dependency
        raise BackendUnavailableError(f"tblite is not installed: {exc}") from exc
    return TBLite(method=method, charge=charge, multiplicity=multiplicity, accuracy=accuracy, verbosity=0)


@dataclass(frozen=True)
class PreoptResult:
    """Outcome of one cheap pre-optimization."""

    coordinates_angstrom: np.ndarray
    energy_hartree: float
    n_steps: int
    converged: bool
    method: str


def preoptimize(
    symbols: list[str],
    coordinates_angstrom: np.ndarray,
    charge: int,
    multiplicity: int,
    method: str = "GFN2-xTB",
    fmax_ev_per_angstrom: float = 0.05,
    max_steps: int = 400,
    held: tuple[HeldDistance, ...] = (),
) -> PreoptResult:
    """Relax a structure with GFN2-xTB (tblite) and ASE's BFGS, each ``held`` distance
    (``compchem.held``) kept at its value.

    ``method == "none"`` returns the input unchanged with a NaN energy (no ranking possible).
    """
    coords = np.asarray(coordinates_angstrom, dtype=float)
    if method.lower() == "none":
        return PreoptResult(coords.copy(), float("nan"), 0, True, "none")
    atoms = _held_atoms(symbols, coords, held)
    atoms.calc = _calculator(method, charge, multiplicity, accuracy=TBLITE_DEFAULT_ACCURACY)
    if len(atoms) == 1:
        return PreoptResult(coords.copy(), atoms.get_potential_energy() * EV_TO_HARTREE, 0, True, method)
    opt = BFGS(atoms, logfile=None, maxstep=0.2)
    converged = bool(opt.run(fmax=fmax_ev_per_angstrom, steps=max_steps))
    energy = atoms.get_potential_energy() * EV_TO_HARTREE
    return PreoptResult(atoms.get_positions(), float(energy), int(opt.nsteps), converged, method)


def _held_atoms(symbols: Any, coordinates_angstrom: Any, held: Any) -> Atoms:
    """ASE atoms of a structure, its held distances (if any) as a constraint moved onto their values."""
    atoms = Atoms(symbols=list(symbols), positions=np.asarray(coordinates_angstrom, dtype=float))
    if held:
        atoms.set_constraint(ase_constraint(held))
        atoms.set_positions(atoms.get_positions(), apply_constraint=True)
    return atoms


def cartesian_hessian(
    symbols: list[str] | tuple[str, ...],
    coordinates_angstrom: np.ndarray,
    charge: int,
    multiplicity: int,
    method: str = "GFN2-xTB",
    step_bohr: float = 0.005,
    accuracy: float = 0.01,
) -> np.ndarray:
    """Cartesian Hessian (Hartree/bohr², shape (3N, 3N), rows/columns ordered x1, y1, z1, x2, ...)
    by central finite differences of tblite gradients, symmetrized.

    ``accuracy`` is tblite's (lower is tighter; 1.0 is its default): the tighter SCC keeps the
    numerical noise of the differences (~gradient error / 2 step) well below soft-mode curvatures.
    Costs 6N xTB gradients. Raises BackendUnavailableError when tblite is missing and lets tblite's
    own errors (unsupported element, SCC failure) propagate.
    """
    t0 = time.perf_counter()
    coords = np.asarray(coordinates_angstrom, dtype=float).reshape(-1, 3)
    atoms = Atoms(symbols=list(symbols), positions=coords)
    atoms.calc = _calculator(method, charge, multiplicity, accuracy)
    step_angstrom = step_bohr * BOHR_TO_ANGSTROM
    to_gradient = -EV_TO_HARTREE * BOHR_TO_ANGSTROM  # forces eV/Å -> gradient Hartree/bohr
    n = 3 * len(atoms)
    hess = np.empty((n, n))
    for k in range(n):
        gradients = []
        for sign in (1.0, -1.0):
            displaced = coords.copy()
            displaced.flat[k] += sign * step_angstrom
            atoms.set_positions(displaced)
            gradients.append(atoms.get_forces().ravel() * to_gradient)
        hess[k] = (gradients[0] - gradients[1]) / (2.0 * step_bohr)
    asymmetry = float(np.abs(hess - hess.T).max())
    hess = 0.5 * (hess + hess.T)
    log.info(
        "%s Hessian by finite differences: %d atoms, %d gradients, max asymmetry %.1e Ha/bohr^2, %.2f s",
        method,
        len(atoms),
        2 * n,
        asymmetry,
        time.perf_counter() - t0,
    )
    return hess


# --- GFN-xTB as the frequency level of a composite thermochemistry (config thermo.frequencies_level) ---

#: Force threshold of a tight xTB minimization (a level with backend xtb, and the re-optimization before
#: an xTB Hessian; eV/Å, about 1e-5 Ha/bohr): far
#: tighter than the pose search's 0.05, so that soft modes are not polluted by a residual gradient
FREQ_FMAX_EV_PER_ANGSTROM: float = 5e-4
#: A tight xTB minimization logs its energy and largest force every this many gradients
XTB_LOG_INTERVAL_GRADIENTS = 20


def _software() -> dict[str, str]:
    from importlib.metadata import version

    return {"tblite": version("tblite"), "ase": version("ase")}


def xtb_energy(spec: CalcSpec, method: str) -> float:
    """Single-point xTB energy (Hartree) at ``spec``'s geometry (its level is ignored)."""
    atoms = Atoms(symbols=list(spec.symbols), positions=np.asarray(spec.coordinates_angstrom, dtype=float))
    atoms.calc = _calculator(method, spec.charge, spec.multiplicity, xtb_level(method)["accuracy"])
    return float(atoms.get_potential_energy() * EV_TO_HARTREE)


#: Largest atomic gradient (Hartree/bohr) of a converged xTB minimization: FREQ_FMAX_EV_PER_ANGSTROM
XTB_GMAX_HARTREE_PER_BOHR = FREQ_FMAX_EV_PER_ANGSTROM * EV_TO_HARTREE * BOHR_TO_ANGSTROM


def _geometric_minimize(
    atoms: Atoms, spec: CalcSpec, method: str, max_steps: int
) -> tuple[bool, np.ndarray, int]:
    """geomeTRIC (TRIC coordinates) on ``atoms`` with their tblite calculator, converged on the
    gradient alone (largest and RMS atomic gradient below ``XTB_GMAX_HARTREE_PER_BOHR``; the energy
    and displacement criteria are opened up), held distances as geomeTRIC ``$set`` constraints.
    Returns (converged, final positions in Å, gradients computed)."""
    import tempfile

    import geometric.engine
    import geometric.errors
    import geometric.molecule
    import geometric.optimize

    from compchem.held import geometric_constraints_text

    n_gradients = 0

    class _Engine(geometric.engine.Engine):  # geomeTRIC's engine interface
        def calc_new(self, coords: np.ndarray, dirname: str) -> dict[str, Any]:
            nonlocal n_gradients
            atoms.set_positions(np.asarray(coords).reshape(-1, 3) * BOHR_TO_ANGSTROM)
            energy = atoms.get_potential_energy() * EV_TO_HARTREE
            forces = atoms.get_forces()
            n_gradients += 1
            if n_gradients % XTB_LOG_INTERVAL_GRADIENTS == 0:
                log.info(
                    "%s: %s gradient %d, E=%.10f Ha, max force %.1e eV/Å",
                    spec.label,
                    method,
                    n_gradients,
                    energy,
                    float(np.linalg.norm(forces, axis=1).max()),
                )
            return {"energy": energy, "gradient": (-forces * EV_TO_HARTREE * BOHR_TO_ANGSTROM).ravel()}

    molecule = geometric.molecule.Molecule()
    molecule.elem = list(spec.symbols)
    molecule.xyzs = [atoms.get_positions()]
    # geomeTRIC's run_optimizer reconfigures the root logger (logging.config.fileConfig: its own stderr
    # handler); the caller's root handlers and level come back when it returns
    root = logging.getLogger()
    root_handlers, root_level = list(root.handlers), root.level
    with tempfile.TemporaryDirectory(prefix="compchem-xtb-") as tmp:
        extra: dict[str, Any] = {}
        if spec.held_distances:
            (constraints := Path(tmp) / "constraints.txt").write_text(
                geometric_constraints_text(spec.held_distances)
            )
            extra["constraints"] = str(constraints)
        try:
            result = geometric.optimize.run_optimizer(
                customengine=_Engine(molecule),
                input=str(Path(tmp) / "xtb"),
                coordsys="tric",
                maxiter=max_steps,
                convergence_gmax=XTB_GMAX_HARTREE_PER_BOHR,
                convergence_grms=XTB_GMAX_HARTREE_PER_BOHR,
                convergence_energy=1.0,
                convergence_drms=1.0,
                convergence_dmax=1.0,
                **extra,
            )
            converged, final = True, np.asarray(result.xyzs[-1])
        except geometric.errors.GeomOptNotConvergedError:
            converged, final = False, atoms.get_positions()
        finally:
            root.handlers[:] = root_handlers
            root.setLevel(root_level)
    return converged, final, n_gradients


def _held_fmax(atoms: Atoms, spec: CalcSpec) -> float:
    """Largest atomic force (eV/Å) an optimization under ``spec``'s held distances can still lower
    (the constraint forces projected out; the plain largest force when nothing is held)."""
    forces = projected_gradient(atoms.get_forces(), atoms.get_positions(), spec.held_distances)
    return float(np.linalg.norm(forces, axis=1).max())


def _polish_held(atoms: Atoms, spec: CalcSpec, max_steps: int) -> tuple[bool, int]:
    """ASE's BFGS under the held distances (``ase_constraint``) to ``FREQ_FMAX_EV_PER_ANGSTROM``;
    (converged, gradients). The constraint is removed again afterwards."""
    atoms.set_constraint(ase_constraint(spec.held_distances))
    opt = BFGS(atoms, logfile=None, maxstep=0.1)
    converged = bool(opt.run(fmax=FREQ_FMAX_EV_PER_ANGSTROM, steps=max_steps))
    atoms.set_constraint()
    return converged, int(opt.nsteps) + 1


def xtb_optimize(spec: CalcSpec, method: str, max_steps: int = 1000) -> CalcResult:
    """Tight minimization with xTB from ``spec``'s geometry (``XTB_OPTIMIZER``), as a CalcResult
    (program tblite); ``n_opt_steps`` counts its gradients."""
    t0 = time.perf_counter()
    atoms = _held_atoms(spec.symbols, spec.coordinates_angstrom, spec.held_distances)
    atoms.set_constraint()  # geomeTRIC holds the distances itself
    atoms.calc = _calculator(method, spec.charge, spec.multiplicity, xtb_level(method)["accuracy"])
    converged, n_steps = True, 0
    if len(atoms) > 1:
        converged, final, n_steps = _geometric_minimize(atoms, spec, method, max_steps)
        atoms.set_positions(final)
        if spec.held_distances and _held_fmax(atoms, spec) > FREQ_FMAX_EV_PER_ANGSTROM:
            # geomeTRIC judges a constrained optimization by its own projected internal-coordinate
            # gradient, which can vanish while the Cartesian force transverse to the held distances
            # does not (measured: 0.14 eV/Å left, 0.027 eV above the constrained minimum on a
            # Zn2-bridged imidazolate): ASE's BFGS under the same constraints finishes the job
            converged, polish_steps = _polish_held(atoms, spec, max_steps)
            log.info("%s: %d BFGS steps under the held distances after geomeTRIC", spec.label, polish_steps)
            n_steps += polish_steps
    energy = float(atoms.get_potential_energy() * EV_TO_HARTREE)
    fmax = _held_fmax(atoms, spec) if len(atoms) > 1 else 0.0
    log.info(
        "%s: %s minimization (%s), %d gradients, E=%.10f Ha, max force %.1e eV/Å, converged %s, %.1f s",
        spec.label,
        method,
        XTB_OPTIMIZER,
        n_steps,
        energy,
        fmax,
        converged,
        time.perf_counter() - t0,
    )
    result = _record(
        spec,
        method,
        "optimize",
        atoms.get_positions().tolist(),
        energy,
        t0,
        converged=converged,
        n_opt_steps=n_steps,
        gradient_max_hartree_per_bohr=fmax * EV_TO_HARTREE * BOHR_TO_ANGSTROM,
    )
    result.extra["optimizer"] = XTB_OPTIMIZER
    return result


def _record(
    spec: CalcSpec,
    method: str,
    task: str,
    coordinates_angstrom: list[list[float]],
    energy_hartree: float,
    t0: float,
    **fields: Any,
) -> CalcResult:
    """A tblite CalcResult of ``spec`` at ``method`` (level ``xtb_level(method)``, no content hash: a
    caller that caches it sets both), timed from ``t0`` (``time.perf_counter``)."""
    return CalcResult(
        label=spec.label,
        task=task,
        program="tblite",
        program_version=_software()["tblite"],
        spec_hash="",
        level=xtb_level(method),
        charge=spec.charge,
        multiplicity=spec.multiplicity,
        symbols=list(spec.symbols),
        coordinates_angstrom=coordinates_angstrom,
        energy_hartree=energy_hartree,
        converged=fields.pop("converged", True),
        wall_time_s=round(time.perf_counter() - t0, 2),
        software=_software(),
        **fields,
    )


def run_xtb(spec: CalcSpec, resources: Resources, cache: Cache | None, stream: IO[str] | None) -> CalcResult:
    """``run_cached``'s runner of a level with ``backend: xtb`` (its ``functional`` names the method):
    the single-point energy, or the tight minimization of ``xtb_optimize`` (held distances kept), as a
    record of that level. A minimization that does not converge is a ConvergenceError (a rerun starts
    again: xTB steps cost seconds, so there is no checkpoint)."""
    method = spec.level.functional
    if spec.task == "optimize":
        result = xtb_optimize(spec, method)
        if not result.converged:
            raise ConvergenceError(
                f"{spec.label}: {method} minimization did not reach {FREQ_FMAX_EV_PER_ANGSTROM} eV/Å in "
                f"{result.n_opt_steps} gradients (largest force "
                f"{result.gradient_max_hartree_per_bohr:.1e} Ha/bohr); check the structure"
            )
        if held := spec.optimization_held_distances:
            result.extra["held_distances"] = held_report(held, result.coordinates_angstrom)
        # where it started, as every DFT optimization record says (``compchem check`` finds records
        # whose start is no longer the species' build)
        result.extra["initial_coordinates_angstrom"] = [
            list(map(float, r)) for r in spec.coordinates_angstrom
        ]
    elif spec.task == "energy":
        t0 = time.perf_counter()
        energy = xtb_energy(spec, method)
        log.info("%s: %s single point, E=%.10f Ha", spec.label, method, energy)
        coordinates = [list(map(float, row)) for row in spec.coordinates_angstrom]
        result = _record(spec, method, "energy", coordinates, energy, t0)
    else:
        raise BackendUnavailableError(f"backend 'xtb' runs tasks energy and optimize, not '{spec.task}'")
    return replace(
        result,
        spec_hash=spec.content_hash(),
        level=spec.level.to_dict(),
        threads=resources.threads,
        fragments=fragment_records(spec.fragments),
    )


def xtb_frequencies(spec: CalcSpec, method: str) -> dict[str, Any]:
    """Harmonic frequencies from the finite-difference xTB Hessian at ``spec``'s geometry, in the layout
    of ``pyscf.hessian.harmonic_frequencies`` (the keys ``ensure_minimum`` and ``thermo_job`` read)."""
    t0 = time.perf_counter()
    natm = len(spec.symbols)
    coords = np.asarray(spec.coordinates_angstrom, dtype=float)
    if natm == 1:
        hess = np.zeros((3, 3))
    else:
        hess = cartesian_hessian(spec.symbols, coords, spec.charge, spec.multiplicity, method)
    # (3N, 3N) -> PySCF's (natm, natm, 3, 3)
    analysis = harmonic_analysis(spec.symbols, coords, hess.reshape(natm, 3, natm, 3).transpose(0, 2, 1, 3))
    fields = frequency_fields(spec, xtb_energy(spec, method), analysis)
    freqs, n_imag = fields["frequencies_cm1"], fields["n_imaginary"]
    log.info(
        "%s: %s Hessian, %d frequencies, lowest %s cm-1, %d imaginary",
        spec.label,
        method,
        len(freqs),
        f"{min(freqs):.1f}" if freqs else "-",
        n_imag,
    )
    return {
        "label": spec.label,
        "level": xtb_level(method),
        **fields,
        "hessian_method": f"finite-difference ({method}, tblite)",
        "wall_time_s": round(time.perf_counter() - t0, 2),
        "software": _software(),
    }
