"""Compatibility alias of the PySCF backend, which now lives in ``compchem.backends.pyscf``: SCF set-up in
``pyscf.scf``, geomeTRIC optimization and checkpoints in ``pyscf.optimize`` (its initial Hessians in
``pyscf.initial_hessian``), the task dispatch ``run_pyscf`` in ``pyscf.run``. Every name imported from
here before keeps working, and setting one here (a test's monkeypatch) sets it where the code reads it.
"""

from __future__ import annotations

from compchem.backends._compat import forward_writes
from compchem.backends.pyscf import initial_hessian as _initial_hessian_module
from compchem.backends.pyscf import optimize as _optimize_module
from compchem.backends.pyscf import run as _run_module
from compchem.backends.pyscf import scf as _scf_module
from compchem.backends.pyscf.initial_hessian import _preopt_hessian, _xtb_initial_hessian
from compchem.backends.pyscf.optimize import (
    UPHILL_KEEP_HARTREE,
    _geometric_state,
    _optimize,
    _replaying_scanner,
    _Track,
    log,
)
from compchem.backends.pyscf.run import _final_single_point, run_pyscf
from compchem.backends.pyscf.scf import (
    POPLE_POLARIZED,
    SCF_LADDER,
    _carry_scf_guess,
    _scf,
    _SCFNotConverged,
    _software,
    build_mole,
    cavity_radii_angstrom,
    cavity_radii_table_bohr,
    check_basis,
    check_functional,
    check_level,
    dispersion_energy,
    make_scf,
    unknown_basis_hint,
    use_threads,
)
from compchem.units import ANGSTROM_TO_BOHR, BOHR_TO_ANGSTROM, multiplicity_to_spin

__all__ = [
    "ANGSTROM_TO_BOHR",
    "BOHR_TO_ANGSTROM",
    "POPLE_POLARIZED",
    "SCF_LADDER",
    "UPHILL_KEEP_HARTREE",
    "_SCFNotConverged",
    "_Track",
    "_carry_scf_guess",
    "_final_single_point",
    "_geometric_state",
    "_optimize",
    "_preopt_hessian",
    "_replaying_scanner",
    "_scf",
    "_software",
    "_xtb_initial_hessian",
    "build_mole",
    "cavity_radii_angstrom",
    "cavity_radii_table_bohr",
    "check_basis",
    "check_functional",
    "check_level",
    "dispersion_energy",
    "log",
    "make_scf",
    "multiplicity_to_spin",
    "run_pyscf",
    "unknown_basis_hint",
    "use_threads",
]

forward_writes(__name__, _scf_module, _optimize_module, _initial_hessian_module, _run_module)
