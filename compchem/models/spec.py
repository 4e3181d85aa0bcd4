"""What to compute and on what machine: ``CalcSpec`` (a structure, its charge and multiplicity, a
level and a task) with the content hash that keys the cache and the tighter-level hashes whose results
it may reuse, and ``Resources`` (threads, memory, scratch), kept apart so that a spec never holds
machine settings and moving a job to another machine never changes a hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any, cast

from compchem import CALC_CODE_VERSION
from compchem.errors import InputError
from compchem.held import HeldDistance
from compchem.models.level import LevelOfTheory
from compchem.models.level_keys import XTB_OPTIMIZER

TASKS = ("energy", "gradient", "optimize")

#: Cartesian rows of a ``CalcSpec``: one (x, y, z) per atom, Å.
CoordinateRows = tuple[tuple[float, float, float], ...]


def coordinate_rows(rows: Iterable[Iterable[float]]) -> CoordinateRows:
    """``rows`` (a list of lists, an (N, 3) array) as the hashable tuples of ``CalcSpec``.

    The values are kept as given (``tuple(map(tuple, rows))``), so a spec built through here hashes
    exactly as one built by hand; the type checker cannot see that each row has three entries, hence
    the cast."""
    return cast(CoordinateRows, tuple(map(tuple, rows)))


def fragment_records(fragments: Iterable[tuple[str, Iterable[int]]]) -> list[dict[str, Any]]:
    """``(name, atom indices)`` fragments (``CalcSpec.fragments``) as a record stores them
    (``CalcResult.fragments``; ``CalcResult.spec_at`` reads them back)."""
    return [{"name": n, "atom_indices": list(ix)} for n, ix in fragments]


@dataclass(frozen=True)
class Resources:
    """Machine settings of one job (from Snakemake ``threads``/``resources``), never science."""

    threads: int = 1
    memory_mb: int = 4000
    scratch_dir: str | None = None


@dataclass(frozen=True)
class CalcSpec:
    """What to compute: a structure, its charge and multiplicity, a level and a task.

    ``label`` names the species for logs and records; it is not part of the content hash, so renaming
    a species reuses its results. ``ghost_atoms`` lists indices carried as basis functions only.
    """

    symbols: tuple[str, ...]
    coordinates_angstrom: CoordinateRows
    charge: int
    multiplicity: int
    level: LevelOfTheory
    task: str = "optimize"
    ghost_atoms: tuple[int, ...] = ()
    label: str = ""
    fragments: tuple[tuple[str, tuple[int, ...]], ...] = field(default=(), compare=False)
    #: Content hash of a finished optimization (stage 1 of a staged one, or the geometry level of a
    #: composite one) whose final approximate Hessian, kept in the cache, may start this optimization
    #: (``opt_initial_hessian: preopt``) and whose last SCF orbitals may start this calculation's first
    #: SCF. Changes only the path to the result, so it is not part of the content hash.
    hessian_from: str | None = field(default=None, compare=False)
    #: Distances held at fixed values in an optimization (``compchem.held``: 0-based atoms, Å); part of
    #: the content hash of an optimization, where given (a single point does not depend on them).
    held_distances: tuple[HeldDistance, ...] = ()

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise InputError(f"{self.label or 'spec'}: unknown task '{self.task}', known: {TASKS}")
        if any(
            not (0 <= i < len(self.symbols) and 0 <= j < len(self.symbols)) for i, j, _ in self.held_distances
        ):
            raise InputError(f"{self.label or 'spec'}: a held distance names an atom the structure lacks")
        if len(self.symbols) != len(self.coordinates_angstrom):
            raise InputError(
                f"{self.label or 'spec'}: {len(self.symbols)} symbols but "
                f"{len(self.coordinates_angstrom)} coordinate rows"
            )

    @property
    def optimization_held_distances(self) -> tuple[HeldDistance, ...]:
        """The held distances that act on this calculation: all of them in an optimization, none in
        a single point, gradient or Hessian at the given geometry."""
        return self.held_distances if self.task == "optimize" else ()

    def content_hash(self) -> str:
        """SHA-256 of everything that determines the result (geometry rounded to 1e-6 Å).

        A per-element basis counts only for the elements present: where every atom of the structure
        gets one basis (``{default: 6-311+G(d,p), Zn: def2-TZVP}`` on a Zn-free ligand) the hash is
        that of the plain level with that basis, so a Zn-free species reuses its results.

        ``opt_convergence_rule`` and ``opt_grid_level`` count for optimizations only: a single point
        or Hessian at a given geometry does not depend on how that geometry was converged."""
        level = _basis_of_present_elements(self.level.science_dict(), set(self.symbols))
        if self.task != "optimize":
            level.pop("opt_convergence_rule", None)
            level.pop("opt_grid_level", None)
        payload = {
            "symbols": list(self.symbols),
            "coordinates_angstrom": [[round(x, 6) + 0.0 for x in row] for row in self.coordinates_angstrom],
            "charge": self.charge,
            "multiplicity": self.multiplicity,
            "level": level,
            "task": self.task,
            "ghost_atoms": list(self.ghost_atoms),
            "code_version": CALC_CODE_VERSION,
        }
        if self.task == "optimize" and _minimizes_with_xtb(level):
            # the xTB minimizer changed from ASE's BFGS to geomeTRIC (other minima on floppy clusters):
            # its results, and those of a composite or staged level built on one, get new hashes; DFT
            # and single-point hashes keep theirs
            payload["xtb_optimizer"] = XTB_OPTIMIZER
        if self.optimization_held_distances:  # absent otherwise: older hashes keep
            payload["held_distances_angstrom"] = [
                [int(i), int(j), round(float(v), 6)] for i, j, v in self.optimization_held_distances
            ]
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def reusable_keys(self) -> tuple[str, ...]:
        """Content hashes whose finished results (or checkpoints) answer this spec, own hash first.

        An optimization converged under tighter criteria answers one under looser criteria: under all
        five criteria instead of a looser ``opt_convergence_rule``, or with geomeTRIC's default energy
        threshold instead of a looser ``opt_convergence_energy_hartree``. So loosening a level keeps
        every result and checkpoint computed before. A single point or Hessian does not depend on the
        optimizer's settings at all; its hash still holds the energy threshold (older records), so the
        same variants find it."""
        keys = [self.content_hash()]
        for level in self.level.tighter_variants():
            key = replace(self, level=level).content_hash()
            if key not in keys:
                keys.append(key)
        return tuple(keys)


def _minimizes_with_xtb(level: dict[str, Any]) -> bool:
    """Whether an optimization at ``level`` (a level's science dict) runs an xTB minimization: an xTB
    level itself, or a composite (``geometry``) or staged (``preopt``) level whose geometry comes
    from one, at any depth."""
    if level.get("backend") == "xtb":
        return True
    return any(
        isinstance(level.get(key), dict) and _minimizes_with_xtb(level[key]) for key in ("geometry", "preopt")
    )


def _basis_of_present_elements(level: dict[str, Any], elements: set[str]) -> dict[str, Any]:
    """``level`` (a ``science_dict``) with each per-element basis map reduced to ``elements``: one
    basis name where all of them get the same basis, else the map of those elements only (sorted),
    also inside the stage-1 (``preopt``) and geometry levels of staged and composite levels."""
    out = dict(level)
    basis = out.get("basis")
    if isinstance(basis, dict):
        default = basis.get("default")
        used = {el: basis.get(el, default) for el in sorted(elements)}
        names = set(used.values())
        out["basis"] = names.pop() if len(names) == 1 and None not in names else used
    for key in ("preopt", "geometry"):
        if isinstance(out.get(key), dict):
            out[key] = _basis_of_present_elements(out[key], elements)
    return out
