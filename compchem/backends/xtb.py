"""GFN2-xTB through tblite's ASE calculator: pre-optimization (ASE's BFGS) and a finite-difference
Cartesian Hessian (the initial Hessian of a DFT geometry optimization)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
from ase import Atoms
from ase.optimize import BFGS

from compchem.errors import BackendUnavailableError
from compchem.units import BOHR_TO_ANGSTROM, EV_TO_HARTREE

log = logging.getLogger(__name__)


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
) -> PreoptResult:
    """Relax a structure with GFN2-xTB (tblite) and ASE's BFGS.

    ``method == "none"`` returns the input unchanged with a NaN energy (no ranking possible).
    """
    coords = np.asarray(coordinates_angstrom, dtype=float)
    if method.lower() == "none":
        return PreoptResult(coords.copy(), float("nan"), 0, True, "none")
    try:
        from tblite.ase import TBLite
    except ImportError as exc:  # pragma: no cover - tblite is a dependency
        raise BackendUnavailableError(f"tblite is not installed: {exc}") from exc
    atoms = Atoms(symbols=symbols, positions=coords)
    if len(atoms) == 1:
        atoms.calc = TBLite(method=method, charge=charge, multiplicity=multiplicity, verbosity=0)
        return PreoptResult(coords.copy(), atoms.get_potential_energy() * EV_TO_HARTREE, 0, True, method)
    atoms.calc = TBLite(method=method, charge=charge, multiplicity=multiplicity, verbosity=0)
    opt = BFGS(atoms, logfile=None, maxstep=0.2)
    converged = bool(opt.run(fmax=fmax_ev_per_angstrom, steps=max_steps))
    energy = atoms.get_potential_energy() * EV_TO_HARTREE
    return PreoptResult(atoms.get_positions(), float(energy), int(opt.nsteps), converged, method)


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
    try:
        from tblite.ase import TBLite
    except ImportError as exc:  # pragma: no cover - tblite is a dependency
        raise BackendUnavailableError(f"tblite is not installed: {exc}") from exc
    t0 = time.perf_counter()
    coords = np.asarray(coordinates_angstrom, dtype=float).reshape(-1, 3)
    atoms = Atoms(symbols=list(symbols), positions=coords)
    atoms.calc = TBLite(
        method=method, charge=charge, multiplicity=multiplicity, accuracy=accuracy, verbosity=0
    )
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
