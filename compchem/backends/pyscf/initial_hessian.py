"""Where geomeTRIC's starting Hessian comes from: the one it had built up when a checkpoint was written
(resuming), the final Hessian of a staged optimization's pre-optimization, a GFN2-xTB Hessian, or its
own model Hessian; each choice, and why a better one was not to be had, is logged and recorded in the
optimization's ``_Track`` (``opt_initial_hessian`` of the record).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np

from compchem.models import CalcSpec

if TYPE_CHECKING:  # the class only; optimize imports this module
    from compchem.backends.pyscf.optimize import _Track

#: the logger of the module this code came from, so that log lines stay the same
log = logging.getLogger("compchem.backends.pyscf_backend")


def _initial_hessian_params(spec: CalcSpec, track: _Track) -> dict[str, Any]:
    """geomeTRIC's options for the Hessian it starts from: the checkpointed one (resuming), the
    pre-optimization's, GFN2-xTB's, or none (its model Hessian); records the choice in ``track``."""
    level = spec.level
    hessian_params: dict[str, Any] = {}
    if track.optimizer_state:
        # resuming: geomeTRIC goes on with the Hessian it had built up and its trust radius instead of
        # starting over from a model Hessian at full trust (which cost an uphill step and 2-3 extra
        # gradients per resume on the paper clusters)
        hessian_params = {
            "hess_data": track.optimizer_state["hessian_cartesian_hartree_per_bohr2"],
            "trust": track.optimizer_state["trust_angstrom"],
            "frequency": False,
        }
        track.initial_hessian = "checkpoint"
        log.info(
            "%s: geomeTRIC resumes with its checkpointed Hessian, trust radius %.2e Å",
            spec.label,
            track.optimizer_state["trust_angstrom"],
        )
    elif level.opt_initial_hessian == "preopt":
        # a staged optimization's stage 2 starts where stage 1 converged; the Hessian geomeTRIC had
        # built up there knows the cluster's soft modes (the level differs, the curvature hardly)
        if (hess := _preopt_hessian(spec, track)) is not None:
            hessian_params = {"hess_data": hess.tolist(), "frequency": False}
    elif level.opt_initial_hessian == "xtb":
        hess = _xtb_initial_hessian(spec, track)
        if hess is not None:
            # geomeTRIC's OptParams (geometric/params.py) takes an initial Cartesian Hessian in
            # Hartree/bohr² as ``hess_data`` and uses it at iteration 0 (optimize.py). It tests the
            # value's truth, hence a nested list, not an array. ``hessian="file:<path>"`` is not usable
            # here: PySCF's geometric_solver.kernel passes that option to ``_make_hessian``, which
            # overwrites the file with an analytic DFT Hessian. ``frequency=False``: no vibrational
            # analysis of the guess.
            hessian_params = {"hess_data": hess.tolist(), "frequency": False}
    else:
        track.initial_hessian = "model"
    return hessian_params


def _preopt_hessian(spec: CalcSpec, track: _Track) -> np.ndarray | None:
    """The final approximate Hessian of the optimization ``spec.hessian_from`` (stage 1 of a staged
    one) from the cache, or None, with a note, when it was not kept (older records, no cache, a
    different atom count): geomeTRIC then starts from its model Hessian."""
    source = spec.hessian_from
    stored = None
    if track.cache is not None and source:
        stored = track.cache.get(source, "opt_hessian")
    n = 3 * len(spec.symbols)
    if source and stored is not None:  # something stored implies a source
        hess = np.asarray(stored["hessian_cartesian_hartree_per_bohr2"], dtype=float)
        if hess.shape == (n, n) and np.isfinite(hess).all():
            log.info("%s: geomeTRIC starts from the pre-optimization's final Hessian", spec.label)
            track.initial_hessian = f"preopt ({source[:12]})"
            return hess
    log.info("%s: no pre-optimization Hessian kept; geomeTRIC starts from its model Hessian", spec.label)
    track.initial_hessian = "model (no preopt Hessian)"
    return None


def _xtb_initial_hessian(spec: CalcSpec, track: _Track) -> np.ndarray | None:
    """GFN2-xTB Cartesian Hessian (Hartree/bohr²) at the optimization's starting geometry (the
    checkpoint's when resuming), or None, with a warning, when it cannot be had: geomeTRIC then starts
    from its model Hessian. Records the choice in ``track.initial_hessian``."""
    from compchem.backends import xtb

    reason = None
    if spec.ghost_atoms:
        reason = "ghost atoms have no xTB counterpart"
    else:
        try:
            hess = xtb.cartesian_hessian(spec.symbols, track.coords, spec.charge, spec.multiplicity)
        except Exception as exc:  # tblite/ASE raise several types (unsupported element, SCC failure)
            reason = f"{type(exc).__name__}: {exc}"[:200]
        else:
            if np.isfinite(hess).all():
                log.info("%s: geomeTRIC starts from the GFN2-xTB Hessian", spec.label)
                track.initial_hessian = "xtb"
                return hess
            reason = "non-finite values"
    log.warning(
        "%s: GFN2-xTB initial Hessian failed (%s); geomeTRIC starts from its model Hessian",
        spec.label,
        reason,
    )
    track.initial_hessian = f"model (xtb failed: {reason})"
    return None
