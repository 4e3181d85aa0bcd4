"""geomeTRIC geometry optimization through PySCF, and its checkpoints.

``_Track`` is the optimization's progress: it logs one line per gradient and writes the checkpoint
(geometry, step history, last energy and gradient, geomeTRIC's Hessian and trust radius) into the cache
after every accepted step, atomically, so a job killed at any moment resumes from its last geometry.
``_optimize`` drives geomeTRIC from the initial Hessian the level asks for (model, checkpointed,
pre-optimization's or GFN2-xTB's) and replays a checkpoint's known gradient instead of recomputing it.
"""

from __future__ import annotations

import logging
import shutil
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType
from typing import Any

import numpy as np

from compchem.backends.pyscf.initial_hessian import _initial_hessian_params
from compchem.backends.pyscf.scf import _SCFNotConverged
from compchem.chem import gradient_norms
from compchem.held import geometric_constraints_text, projected_gradient
from compchem.models import CalcSpec, LevelOfTheory
from compchem.records import Cache
from compchem.units import BOHR_TO_ANGSTROM

#: the logger of the module this code came from, so that the per-step log lines (which
#: benchmarks/convergence_rules.py parses) stay the same
log = logging.getLogger("compchem.backends.pyscf_backend")

#: A step that raises the energy by more than this (Hartree) is taken as one geomeTRIC rejects; the
#: checkpoint then keeps the geometry before it (``_Track.step``).
UPHILL_KEEP_HARTREE = 1e-4


class _Track:
    """Progress of one optimization: step history, last geometry and its checkpoint."""

    def __init__(
        self, spec: CalcSpec, key: str, cache: Cache | None, t0: float, checkpoint: dict[str, Any] | None
    ) -> None:
        self.spec, self.key, self.cache, self.t0 = spec, key, cache, t0
        self.history: list[dict[str, float]] = list((checkpoint or {}).get("history", []))
        self.coords = np.asarray(
            (checkpoint or {}).get("coordinates_angstrom", spec.coordinates_angstrom), dtype=float
        )
        self.wall_before = (checkpoint or {}).get("wall_time_s", 0.0)
        self.t_last = t0
        #: energy and gradient at ``coords`` (the last geometry evaluated)
        self.energy: float | None = None
        self.grad: np.ndarray | None = None
        #: initial Hessian geomeTRIC started from: "xtb", "model", "checkpoint" or "model (xtb failed: ...)"
        self.initial_hessian: str | None = None
        #: geomeTRIC's approximate Cartesian Hessian at the converged geometry (Hartree/bohr²)
        self.final_hessian: np.ndarray | None = None
        #: geomeTRIC's quasi-Newton Hessian and trust radius at the last checkpointed geometry
        self.optimizer_state: dict[str, Any] | None = (checkpoint or {}).get("optimizer")
        # a checkpoint's energy and gradient at its geometry: a resumed run hands them to geomeTRIC
        # instead of computing them again (``_replaying_scanner``)
        if (last := (checkpoint or {}).get("last_gradient")) and self.history:
            self.energy = float(last["energy_hartree"])
            self.grad = np.asarray(last["gradient_hartree_per_bohr"], dtype=float)

    def step(self, env: dict[str, Any]) -> None:
        """geomeTRIC callback after each SCF + gradient: log it and checkpoint the geometry."""
        grad = np.asarray(env["gradients"])
        now = time.perf_counter()
        if getattr(env.get("g_scanner"), "replayed", False):
            self.t_last = now  # energy and gradient are the checkpoint's, already in self.energy, self.grad
            log.info(
                "%s: opt step %d taken from the checkpoint (E=%.10f Ha), not recomputed",
                self.spec.label,
                len(self.history),
                self.energy,
            )
            return
        coords_angstrom = np.asarray(env["mol"].atom_coords(unit="Bohr")) * BOHR_TO_ANGSTROM
        # under held distances the constraint forces never vanish: report what the optimizer can lower
        grms, gmax = gradient_norms(projected_gradient(grad, coords_angstrom, self.spec.held_distances))
        energy = float(env["energy"])
        previous = self.history[-1]["energy_hartree"] if self.history else energy
        cycles = getattr(getattr(env.get("g_scanner"), "base", None), "cycles", None)
        self.history.append(
            {
                "energy_hartree": energy,
                "gradient_rms_hartree_per_bohr": grms,
                "gradient_max_hartree_per_bohr": gmax,
                "step_time_s": round(now - self.t_last, 2),
                **({"scf_cycles": cycles} if isinstance(cycles, int) else {}),
            }
        )
        self.t_last = now
        if self.energy is not None and energy > self.energy + UPHILL_KEEP_HARTREE:
            # a step this far uphill is one geomeTRIC rejects (it goes back and shrinks its trust
            # radius): the checkpoint keeps the previous geometry, gradient and Hessian, so a resume
            # does not start from the rejected point
            log.info(
                "%s: opt step %d  E=%.10f Ha  dE=%+.2e Ha  uphill: checkpoint keeps the previous geometry",
                self.spec.label,
                len(self.history),
                energy,
                energy - previous,
            )
            if self.cache is not None:
                self._write_checkpoint(now)
            return
        self.coords = coords_angstrom
        self.energy, self.grad = energy, grad
        self.optimizer_state = _geometric_state(grad)
        log.info(
            "%s: opt step %d  E=%.10f Ha  dE=%+.2e Ha  grad rms=%.2e max=%.2e Ha/bohr  %s SCF cycles  %.1f s",
            self.spec.label,
            len(self.history),
            energy,
            energy - previous,
            grms,
            gmax,
            cycles if isinstance(cycles, int) else "?",
            self.history[-1]["step_time_s"],
        )
        if self.cache is not None:
            self._write_checkpoint(now)

    def _write_checkpoint(self, now: float) -> None:
        """The step history, and the last accepted geometry with its energy, gradient and geomeTRIC state."""
        assert self.cache is not None and self.energy is not None and self.grad is not None
        self.cache.put(
            self.key,
            "checkpoint",
            {
                "label": self.spec.label,
                "symbols": list(self.spec.symbols),
                "coordinates_angstrom": self.coords.round(8).tolist(),
                "history": self.history,
                "last_gradient": {
                    "energy_hartree": self.energy,
                    "gradient_hartree_per_bohr": np.asarray(self.grad).tolist(),
                },
                "wall_time_s": round(self.wall_before + now - self.t0, 2),
                **({"optimizer": self.optimizer_state} if self.optimizer_state else {}),
            },
        )


def _optimize(mf: Any, spec: CalcSpec, track: _Track) -> tuple[bool, float, Any]:
    """geomeTRIC optimization through PySCF; ``track`` logs and checkpoints every gradient."""
    from pyscf.geomopt import geometric_solver

    level = spec.level
    conv_params = _convergence_params(level)
    hessian_params = _initial_hessian_params(spec, track)
    # geomeTRIC's ``write_cart_hess`` (geometric/params.py): after converging it updates its
    # approximate Hessian once more and writes it in Cartesian coordinates (Hartree/bohr²)
    final_hess = Path(tempfile.mkdtemp(prefix="compchem-hess-")) / "hessian.txt"
    held: dict[str, Any] = {}
    if spec.held_distances:  # geomeTRIC's constraints file ($set: driven to and held at the values)
        (constraints := final_hess.parent / "constraints.txt").write_text(
            geometric_constraints_text(spec.held_distances)
        )
        held["constraints"] = str(constraints)
        log.info(
            "%s: %d distance(s) held: %s",
            spec.label,
            len(spec.held_distances),
            ", ".join(
                f"{spec.symbols[i]}{i + 1}-{spec.symbols[j]}{j + 1} {v:.3f} Å"
                for i, j, v in spec.held_distances
            ),
        )
    try:
        converged, mol_eq = geometric_solver.kernel(
            _replaying_scanner(mf, track),
            callback=track.step,
            maxsteps=level.opt_maxsteps,
            assert_convergence=True,
            write_cart_hess=str(final_hess),
            **conv_params,
            **hessian_params,
            **held,
        )
        if final_hess.exists():
            track.final_hessian = np.loadtxt(final_hess)
    except RuntimeError as exc:
        # PySCF's engine raises RuntimeError('Nuclear gradients of ... not converged') when the SCF
        # of a step fails (pyscf/geomopt/geometric_solver.py, assert_convergence).
        if "not converged" in str(exc):
            raise _SCFNotConverged(
                f"SCF did not converge at optimization step {len(track.history) + 1}"
            ) from exc
        raise
    finally:
        shutil.rmtree(final_hess.parent, ignore_errors=True)
    return _final_point(mf, mol_eq, bool(converged), track)


def _convergence_params(level: LevelOfTheory) -> dict[str, Any]:
    """geomeTRIC's convergence criteria of ``level`` (thresholds, and the Q-Chem rule when asked)."""
    conv_params: dict[str, Any] = {
        "convergence_energy": level.opt_convergence_energy_hartree,
        "convergence_grms": level.opt_convergence_grms_hartree_per_bohr,
        "convergence_gmax": level.opt_convergence_gmax_hartree_per_bohr,
        "convergence_drms": level.opt_convergence_drms_angstrom,
        "convergence_dmax": level.opt_convergence_dmax_angstrom,
    }
    if level.opt_convergence_rule == "qchem":
        # geomeTRIC's OptParams ``qccnv`` (geometric/params.py): converged once the RMS gradient and
        # either the energy change or the RMS displacement meet their thresholds (optimize.py)
        conv_params["qccnv"] = True
    return conv_params


def _final_point(mf: Any, mol_eq: Any, converged: bool, track: _Track) -> tuple[bool, float, Any]:
    """Convergence flag, energy and gradient at the geometry geomeTRIC returned: the last step's when
    it evaluated that geometry, else one more SCF + gradient there."""
    final = np.asarray(mol_eq.atom_coords(unit="Bohr")) * BOHR_TO_ANGSTROM
    if track.energy is not None and np.abs(final - track.coords).max() < 1e-7:
        return converged, track.energy, track.grad
    # geomeTRIC returned a geometry it did not evaluate: one more SCF + gradient there
    energy, grad = mf.nuc_grad_method().as_scanner()(mol_eq)
    track.coords = final
    return converged, float(energy), grad


def _replaying_scanner(mf: Any, track: _Track) -> Any:
    """PySCF's gradient scanner of ``mf``, except that at ``track.coords`` it returns ``track.energy``
    and ``track.grad`` (known from the checkpoint, or from the last good step before an SCF retry)
    instead of computing them again: geomeTRIC evaluates its starting geometry first, and on a resumed
    41-atom paper cluster that repeat cost a whole SCF + gradient (~8 min). The flag ``replayed`` tells
    the step callback not to count it as a new step. The next SCF then starts from PySCF's default
    guess rather than the previous density, a few extra cycles."""
    scanner = mf.nuc_grad_method().as_scanner()
    if track.energy is None or track.grad is None:
        return scanner
    known = (np.asarray(track.coords) / BOHR_TO_ANGSTROM, track.energy, np.array(track.grad))

    class Replaying(type(scanner)):  # type: ignore[misc]
        replayed = False

        def __call__(self, mol_or_geom: Any, **kwargs: Any) -> Any:
            coords = getattr(mol_or_geom, "atom_coords", None)
            if coords is not None and np.abs(coords(unit="Bohr") - known[0]).max() < 1e-6:
                self.replayed = True
                return known[1], known[2].copy()
            self.replayed = False
            return super().__call__(mol_or_geom, **kwargs)

        @property
        def converged(self) -> bool:
            return True if self.replayed else super().converged

    scanner.__class__ = Replaying
    return scanner


def _geometric_state(grad: np.ndarray) -> dict[str, Any] | None:
    """geomeTRIC's current quasi-Newton Hessian, as a Cartesian Hessian (Hartree/bohr²) at the geometry
    just evaluated, and its trust radius (Å), or None before the first step or if they cannot be read.

    PySCF's engine hands the step callback only its own locals, so the optimizer is found up the call
    stack (``geometric.optimize.Optimizer.calcEnergyForce`` calls the engine). Its internal-coordinate
    Hessian ``H`` is the one that took the step to this geometry: it is first updated with this
    gradient as geomeTRIC itself would after an accepted step (``geometric.step.update_hessian``, the
    step from ``Xprev`` to ``X``; without it a resumed run lagged one update behind and took a worse
    first step), then converted with the internal-coordinate gradient at this geometry
    (``InternalCoordinates.calcHessCart``); a resumed geomeTRIC converts it back (``calcHess``).
    """
    try:
        from geometric.optimize import Optimizer
        from geometric.step import update_hessian
    except ImportError:
        return None
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and not isinstance(frame.f_locals.get("self"), Optimizer):
        frame = frame.f_back
    if frame is None:
        return None
    opt = frame.f_locals["self"]
    hess_q = getattr(opt, "H", None)
    if hess_q is None:
        return None
    try:
        xyz = np.asarray(opt.X, dtype=float).ravel()
        gradx = np.asarray(grad, dtype=float).ravel()
        if getattr(opt, "Xprev", None) is not None and getattr(opt, "Gxprev", None) is not None:
            hess_q = update_hessian(
                opt.IC, hess_q, [xyz, opt.Xprev], [gradx, opt.Gxprev], opt.params, max_updates=1
            )
        grad_q = np.asarray(opt.IC.calcGrad(xyz, gradx)).ravel()
        hess_x = np.asarray(opt.IC.calcHessCart(xyz, grad_q, hess_q), dtype=float)
    except Exception as exc:  # geomeTRIC internals: any failure only costs the resume its Hessian
        log.debug("geomeTRIC Hessian not checkpointed: %s", exc)
        return None
    if hess_x.shape != (xyz.size, xyz.size) or not np.isfinite(hess_x).all():
        return None
    hess_x = 0.5 * (hess_x + hess_x.T)
    return {
        "hessian_cartesian_hartree_per_bohr2": hess_x.round(10).tolist(),
        "trust_angstrom": float(opt.trust),
    }
