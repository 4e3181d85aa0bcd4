"""GFN2-xTB pre-optimization through tblite's ASE calculator and ASE's BFGS optimizer."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from ase import Atoms
from ase.optimize import BFGS

from compchem.errors import BackendUnavailableError
from compchem.units import EV_TO_HARTREE

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
