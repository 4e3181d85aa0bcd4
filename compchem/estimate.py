"""Cost estimates of a DFT job from its size (basis functions), for Snakemake resources.

Calibrated on a 2-core machine (SCIENCE.md §4 and measured here): B3LYP/6-311+G(d,p) with density
fitting costs about 60 s per SCF+gradient for 270 basis functions, scaling about as N³.
"""

from __future__ import annotations

from functools import lru_cache

from compchem.models import LevelOfTheory

#: Seconds per SCF+gradient of the calibration job and its size and thread count.
CALIBRATION_SECONDS = 60.0
CALIBRATION_NBASIS = 270
CALIBRATION_THREADS = 2
#: Without density fitting one step costs about 4x more (SCIENCE.md §4).
NO_DF_FACTOR = 4.0


@lru_cache(maxsize=256)
def basis_functions_of_element(basis: str, element: str) -> int:
    """Number of spherical basis functions of one atom of ``element`` in ``basis``."""
    from pyscf import gto

    mol = gto.M(atom=[(element, (0.0, 0.0, 0.0))], basis={element: basis}, spin=None, verbose=0)
    return int(mol.nao_nr())


def n_basis_functions(symbols: list[str], level: LevelOfTheory) -> int:
    """Basis functions of a species at ``level``."""
    return sum(basis_functions_of_element(level.basis_for(s), s) for s in symbols)


def seconds_per_gradient(n_basis: int, level: LevelOfTheory, threads: int) -> float:
    """Predicted wall seconds of one SCF+gradient on ``threads`` cores."""
    t = CALIBRATION_SECONDS * (max(n_basis, 1) / CALIBRATION_NBASIS) ** 3
    t *= CALIBRATION_THREADS / max(threads, 1)
    return t if level.density_fitting else t * NO_DF_FACTOR


def memory_mb(n_basis: int, level: LevelOfTheory) -> int:
    """Memory to request: the density-fitting 3-index tensor (~3 auxiliary functions per basis
    function, 8 bytes each) held in core, or a few N² matrices without fitting, plus 1 GB."""
    tensor = 3 * n_basis**3 * 8 / 1e6 if level.density_fitting else 40 * n_basis**2 * 8 / 1e6
    return int(1000 + 1.3 * tensor)


def runtime_minutes(n_basis: int, level: LevelOfTheory, threads: int, steps: int = 40) -> int:
    """Wall minutes to request for an optimization of ``steps`` gradients, with 50 % margin."""
    seconds = seconds_per_gradient(n_basis, level, threads) * min(steps, level.opt_maxsteps)
    return max(10, int(1.5 * seconds / 60) + 1)
