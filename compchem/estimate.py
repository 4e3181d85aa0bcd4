"""Cost estimates of a DFT job from its size (basis functions), for Snakemake resources and
``compchem estimate``.

Calibrated on this project's 2-core machine (benchmarks/README.md), B3LYP/6-311+G(d,p) with density
fitting, grid level 3, one SCF + gradient on 2 threads, machine otherwise idle: Li⁺–imidazole 156 basis
functions 18.9 s, Li⁺–PDOL1 270 basis functions 70.6 s, Li⁺(PDOL)(Im)₂ 538 basis functions about 445 s
(its paper-stage gradients). Between them the cost grows as N^2.4 to N^2.7; N^2.6 through the middle
point reproduces all three within 10 % (17.0, 70.6, 424 s). The density-fitted exchange-correlation
quadrature dominates (two thirds), so grid level 2 costs 0.78 of level 3 (profile_gradient.py).
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache

from compchem.models import LevelOfTheory

#: Seconds per SCF+gradient of the calibration job and its size and thread count.
CALIBRATION_SECONDS = 70.6
CALIBRATION_NBASIS = 270
CALIBRATION_THREADS = 2
#: Cost ~ N**SCALING_EXPONENT (fitted above).
SCALING_EXPONENT = 2.6
#: Without density fitting one step costs about 4x more (SCIENCE.md §4; 3.7-3.9x measured).
NO_DF_FACTOR = 4.0
#: Cost relative to grid level 3 (measured on Li⁺–PDOL1: 58.5 s vs 74.8 s at grid level 2).
GRID_FACTOR = {0: 0.5, 1: 0.6, 2: 0.78}
#: A GFN2-xTB minimization (tblite, geomeTRIC to 5e-4 eV/Å from a GFN2-xTB pose) on 2 threads costs
#: about this many seconds times the number of atoms cubed: the model study's whole run at `gfn2`
#: (seventeenth session, results/gfn2/records): 0.4-1.8e-4 s/atom³ from 39 to 106 atoms (Li⁺(PDOL1)(Im)₂
#: 7.9 s, Li⁺(PDOL1)(Zn(NH₃)₂(Im)₂)₂ 53 s, Li⁺(PDOL2)(Zn(NH₃)₂(bIm)₂)₂ 88 s), the upper end taken.
#: A species with held distances costs 3-10x more (BFGS polish under the constraints after geomeTRIC:
#: Li⁺(PDOL1)(Zn2_bridging_Im)₂ 181 s, Li⁺(PDOL2)(Zn2_bridging_Im)₂ 517 s), not modelled here.
#: xTB needs no basis and little memory.
XTB_OPT_SECONDS_PER_ATOM3 = 1.8e-4
#: An SCF alone, as a share of one SCF + gradient (profile_gradient.py, Li⁺–PDOL1: 50.3 of 74.8 s): the
#: final single point of a level with ``opt_grid_level``.
SCF_SHARE = 0.67


@lru_cache(maxsize=256)
def basis_functions_of_element(basis: str, element: str) -> int:
    """Number of spherical basis functions of one atom of ``element`` in ``basis``."""
    from pyscf import gto

    mol = gto.M(atom=[(element, (0.0, 0.0, 0.0))], basis={element: basis}, spin=None, verbose=0)
    return int(mol.nao_nr())


def n_basis_functions(symbols: list[str], level: LevelOfTheory) -> int:
    """Basis functions of a species at ``level`` (0 at an xTB level, whose minimal valence basis sizes
    no job)."""
    if level.backend == "xtb":
        return 0
    return sum(basis_functions_of_element(level.basis_for(s), s) for s in symbols)


def seconds_per_gradient(n_basis: int, level: LevelOfTheory, threads: int) -> float:
    """Predicted wall seconds of one SCF+gradient on ``threads`` cores."""
    t = CALIBRATION_SECONDS * (max(n_basis, 1) / CALIBRATION_NBASIS) ** SCALING_EXPONENT
    t *= CALIBRATION_THREADS / max(threads, 1)
    t *= GRID_FACTOR.get(level.grid_level, 1.0)
    return t if level.density_fitting else t * NO_DF_FACTOR


def seconds_per_step(n_basis: int, level: LevelOfTheory, threads: int) -> float:
    """Predicted wall seconds of one optimization step (SCF + gradient), on ``opt_grid_level`` where
    the level sets one."""
    if level.opt_grid_level is not None:
        level = dataclasses.replace(level, grid_level=level.opt_grid_level)
    return seconds_per_gradient(n_basis, level, threads)


def optimization_seconds(
    symbols: list[str], level: LevelOfTheory, threads: int, steps: int, preopt_steps: int
) -> float:
    """Predicted wall seconds of one optimization: ``steps`` gradients at ``level``, plus
    ``preopt_steps`` at its ``preopt`` level (in that level's basis) when it is staged. A single atom
    costs one SCF. A composite level ``B//A`` costs the optimization at A (``steps``, and
    ``preopt_steps`` if A is staged) plus one SCF at B. An xTB level costs its minimization
    (``XTB_OPT_SECONDS_PER_ATOM3``), whatever the step counts."""
    if level.geometry is not None:
        single_point = level.single_point_level()
        nbas = n_basis_functions(symbols, single_point)
        geometry = optimization_seconds(symbols, level.geometry, threads, steps, preopt_steps)
        return geometry + SCF_SHARE * seconds_per_gradient(nbas, single_point, threads)
    if level.backend == "xtb":
        return XTB_OPT_SECONDS_PER_ATOM3 * len(symbols) ** 3 * CALIBRATION_THREADS / max(threads, 1)
    if len(symbols) == 1:
        return seconds_per_gradient(n_basis_functions(symbols, level), level, threads)
    nbas = n_basis_functions(symbols, level)
    seconds = seconds_per_step(nbas, level, threads) * steps
    if level.opt_grid_level is not None:  # then one SCF on the level's own grid
        seconds += SCF_SHARE * seconds_per_gradient(nbas, level, threads)
    if level.preopt is not None:
        pre = level.preopt
        seconds += seconds_per_gradient(n_basis_functions(symbols, pre), pre, threads) * preopt_steps
    return seconds


def screened_seconds(
    symbols: list[str],
    level: LevelOfTheory,
    screening: LevelOfTheory,
    poses: int,
    threads: int,
    steps: int,
    preopt_steps: int,
) -> float:
    """Predicted wall seconds of a cluster's ``poses`` under pose screening: every pose at
    ``screening``, then the lowest at ``level``, less the stage both compute once (cached): the
    screening level when it is the level's preopt or geometry level, or the geometry level A that two
    composites ``B//A`` and ``S//A`` share."""
    if screening in (level.preopt, level.geometry):
        stage_steps = preopt_steps if screening == level.preopt else steps
        each = optimization_seconds(symbols, screening, threads, stage_steps, preopt_steps)
        shared = each
    else:
        each = optimization_seconds(symbols, screening, threads, steps, preopt_steps)
        common = level.geometry if level.geometry == screening.geometry else None
        shared = optimization_seconds(symbols, common, threads, steps, preopt_steps) if common else 0.0
    return poses * each + optimization_seconds(symbols, level, threads, steps, preopt_steps) - shared


def memory_mb(n_basis: int, level: LevelOfTheory) -> int:
    """Memory to request: the density-fitting 3-index tensor (~3 auxiliary functions per basis
    function, 8 bytes each) held in core, or a few N² matrices without fitting, plus 1 GB."""
    tensor = 3 * n_basis**3 * 8 / 1e6 if level.density_fitting else 40 * n_basis**2 * 8 / 1e6
    return int(1000 + 1.3 * tensor)


def runtime_minutes(symbols: list[str], level: LevelOfTheory, threads: int, steps: int = 40) -> int:
    """Wall minutes to request for an optimization of up to ``steps`` gradients per stage, with 50 %
    margin."""
    stepping = level.geometry if level.geometry is not None else level
    steps = min(steps, stepping.opt_maxsteps)
    preopt_steps = min(steps, stepping.preopt.opt_maxsteps) if stepping.preopt is not None else 0
    seconds = optimization_seconds(symbols, level, threads, steps, preopt_steps)
    return max(10, int(1.5 * seconds / 60) + 1)
