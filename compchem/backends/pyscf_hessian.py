"""Compatibility alias of PySCF's harmonic frequencies, which now live in ``compchem.backends.pyscf.hessian``;
the harmonic analysis shared with xTB is in ``compchem.backends.vibrations`` and the "is it a minimum?"
loop ``ensure_minimum`` in ``compchem.backends.minimum``. Every name imported from here before keeps
working, and setting one here (a test's monkeypatch) sets it where the code reads it.
"""

from __future__ import annotations

from compchem.backends import minimum as _minimum_module
from compchem.backends import vibrations as _vibrations_module
from compchem.backends._compat import forward_writes
from compchem.backends.minimum import SIGN_TIE_HARTREE, ensure_minimum
from compchem.backends.pyscf import hessian as _hessian_module
from compchem.backends.pyscf.hessian import (
    CPHF_RETRY_SHIFT,
    FD_SCF_CONV_TOL,
    FD_STEP_BOHR,
    HESSIAN_METHODS,
    _analytic_hessian,
    _converged_scf,
    _fd_hessian,
    frequencies_cached,
    harmonic_frequencies,
    log,
)
from compchem.backends.vibrations import (
    IMAGINARY_THRESHOLD_CM1,
    _Geometry,
    common_isotope_masses,
    frequency_fields,
    frequency_spec,
    harmonic_analysis,
)

__all__ = [
    "CPHF_RETRY_SHIFT",
    "FD_SCF_CONV_TOL",
    "FD_STEP_BOHR",
    "HESSIAN_METHODS",
    "IMAGINARY_THRESHOLD_CM1",
    "SIGN_TIE_HARTREE",
    "_Geometry",
    "_analytic_hessian",
    "_converged_scf",
    "_fd_hessian",
    "common_isotope_masses",
    "ensure_minimum",
    "frequencies_cached",
    "frequency_fields",
    "frequency_spec",
    "harmonic_analysis",
    "harmonic_frequencies",
    "log",
]

forward_writes(__name__, _hessian_module, _minimum_module, _vibrations_module)
