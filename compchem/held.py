"""Held distances: interatomic distances a ligand model keeps at fixed values in every relaxation.

A fragment cut from a framework is held in the framework's geometry: free in the gas phase, the capped
bridging imidazolate of ZIF-62 glass gives up a Zn–N bond (or a cap) to a Li⁺, which the framework
would not allow. A ligand names the atoms in its SMILES with atom-map numbers and lists the distances
as ``a-b=value`` (Å), e.g. ``C[Zn:1](<-N)(<-N)[n:2]1cc[n:3](->[Zn:4](C)(C)<-N)c1`` with
``1-2=2.00; 3-4=2.00; 1-4=6.00`` (the ligand sheet's ``Zn2_bridging_Im`` also holds its caps).

The same values hold in the free ligand and in every cluster that contains it (so a binding energy
compares two structures under the same constraints): as distance-geometry bounds of its conformers, as
ASE ``FixInternals`` bond constraints of the GFN2-xTB relaxations, as geomeTRIC ``$set distance``
constraints of the DFT optimization and as ``Opt=ModRedundant`` frozen bonds in Gaussian input. A
single point does not depend on them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from compchem.errors import InputError

#: One held distance: two 0-based atom indices (of a ligand or of a whole structure) and the value, Å.
HeldDistance = tuple[int, int, float]
#: Values (Å) a held distance may take: shorter would fuse atoms, longer is no longer one fragment.
HELD_RANGE_ANGSTROM = (0.5, 20.0)
_ENTRY = re.compile(r"^\s*(\d+)\s*-\s*(\d+)\s*=\s*([0-9]*\.?[0-9]+)\s*$")


def parse_held_distances(text: str, smiles: str, where: str) -> tuple[HeldDistance, ...]:
    """The held distances ``text`` (``a-b=value; ...``, atom-map numbers of ``smiles``, Å) as 0-based
    SMILES atom indices (the ligand's own atom order: heavy atoms in SMILES order, then H).

    Raises
    ------
    InputError
        A malformed entry, a map number absent from the SMILES or used twice there, an atom paired with
        itself, a pair given twice, or a value outside ``HELD_RANGE_ANGSTROM``.
    """
    from rdkit import Chem, RDLogger

    if not text or not text.strip():
        return ()
    RDLogger.DisableLog("rdApp.*")
    try:
        mol = Chem.MolFromSmiles(smiles)
    finally:
        RDLogger.EnableLog("rdApp.*")
    if mol is None:
        raise InputError(f"{where}: invalid SMILES {smiles!r}")
    maps: dict[int, int] = {}
    for atom in mol.GetAtoms():
        if (m := atom.GetAtomMapNum()) and maps.setdefault(m, atom.GetIdx()) != atom.GetIdx():
            raise InputError(f"{where}: atom-map number {m} is used twice in {smiles!r}")
    held: list[HeldDistance] = []
    for entry in text.replace(",", ";").split(";"):
        if not entry.strip():
            continue
        match = _ENTRY.match(entry)
        if match is None:
            raise InputError(
                f"{where}: held distance {entry.strip()!r} is not 'a-b=value' (atom-map numbers of the "
                "SMILES, value in Angstrom), e.g. '1-2=2.00'"
            )
        a, b, value = int(match[1]), int(match[2]), float(match[3])
        unknown = [m for m in (a, b) if m not in maps]
        if unknown:
            raise InputError(
                f"{where}: held distance {entry.strip()!r} names atom-map number(s) {unknown}, which the "
                f"SMILES {smiles!r} does not have (it has {sorted(maps)}); tag atoms as [Zn:1]"
            )
        if a == b:
            raise InputError(f"{where}: held distance {entry.strip()!r} pairs an atom with itself")
        if not HELD_RANGE_ANGSTROM[0] <= value <= HELD_RANGE_ANGSTROM[1]:
            raise InputError(
                f"{where}: held distance {entry.strip()!r}: {value} Å is outside "
                f"{HELD_RANGE_ANGSTROM[0]}-{HELD_RANGE_ANGSTROM[1]} Å"
            )
        i, j = sorted((maps[a], maps[b]))
        if any((i, j) == (h[0], h[1]) for h in held):
            raise InputError(f"{where}: the pair {a}-{b} is held twice")
        held.append((i, j, value))
    return tuple(held)


#: Key of the held distances in a plan definition (a ligand's, or a cluster's ligand entry).
DEFINITION_KEY = "held_distances_angstrom"


def definition_entry(held: Sequence[HeldDistance]) -> dict[str, list[list[Any]]]:
    """The held distances as a plan definition holds them; empty where there are none, so that the
    definitions (and build hashes) of everything without held distances keep their bytes."""
    return {DEFINITION_KEY: [list(h) for h in held]} if held else {}


def from_definition(entry: dict[str, Any]) -> tuple[HeldDistance, ...]:
    """The held distances of a ligand's definition or of a cluster definition's ligand entry."""
    return tuple((int(i), int(j), float(v)) for i, j, v in entry.get(DEFINITION_KEY, []))


def held_in_structure(
    ligands: Sequence[dict[str, Any]], fragments: Sequence[dict[str, Any]]
) -> tuple[HeldDistance, ...]:
    """The held distances of a built structure in its own atom indices: each ligand's
    ``held_distances_angstrom`` (ligand indices) mapped through the build's fragment of that ligand
    (``fragments``: the ion's first in a cluster, then one per ligand in ``ligands``' order, so the
    ligands' fragments are the last ``len(ligands)``)."""
    ligand_fragments = list(fragments)[len(fragments) - len(ligands) :]
    out: list[HeldDistance] = []
    for lig, frag in zip(ligands, ligand_fragments, strict=True):
        index = list(frag["atom_indices"])
        out.extend((index[i], index[j], v) for i, j, v in from_definition(lig))
    return tuple(out)


def distances_angstrom(held: Iterable[HeldDistance], coordinates_angstrom: Any) -> list[float]:
    """The distances (Å) of the held pairs in a structure."""
    xyz = np.asarray(coordinates_angstrom, dtype=float)
    return [float(np.linalg.norm(xyz[i] - xyz[j])) for i, j, _ in held]


def held_report(held: Iterable[HeldDistance], coordinates_angstrom: Any) -> list[dict[str, Any]]:
    """One entry per held distance: atoms (0-based), target and value reached (Å), for records."""
    held = list(held)
    return [
        {"atoms": [i, j], "target_angstrom": v, "distance_angstrom": round(d, 5)}
        for (i, j, v), d in zip(held, distances_angstrom(held, coordinates_angstrom), strict=True)
    ]


def projected_gradient(grad: Any, coordinates_angstrom: Any, held: Sequence[HeldDistance]) -> np.ndarray:
    """``grad`` (N×3 or 3N) without its components along the held distances' Cartesian directions
    (least-squares projection onto the complement of their span): the part an optimization under
    the constraints can still lower, which goes to zero at a constrained minimum, whereas the full
    gradient keeps the constraint forces. Same shape as ``grad``; units unchanged."""
    g = np.asarray(grad, dtype=float)
    if not held:
        return g
    xyz = np.asarray(coordinates_angstrom, dtype=float).reshape(-1, 3)
    rows = np.zeros((len(held), xyz.size))
    for k, (i, j, _) in enumerate(held):
        u = (xyz[i] - xyz[j]) / np.linalg.norm(xyz[i] - xyz[j])
        rows[k, 3 * i : 3 * i + 3], rows[k, 3 * j : 3 * j + 3] = u, -u
    flat = g.reshape(-1)
    coefficients, *_ = np.linalg.lstsq(rows.T, flat, rcond=None)
    return (flat - rows.T @ coefficients).reshape(g.shape)


def ase_constraint(held: Sequence[HeldDistance]) -> Any:
    """ASE's ``FixInternals`` holding each pair at its value (the first constrained step moves the
    atoms onto the targets, as SHAKE would)."""
    from ase.constraints import FixInternals

    return FixInternals(bonds=[[float(v), [int(i), int(j)]] for i, j, v in held])


def geometric_constraints_text(held: Sequence[HeldDistance]) -> str:
    """geomeTRIC's constraints file: a ``$set`` block with one ``distance`` line (1-based atoms, Å)
    per held pair; geomeTRIC drives each to its value and holds it there (geometric/prepare.py)."""
    lines = ["$set"] + [f"distance {i + 1} {j + 1} {v:.6f}" for i, j, v in held]
    return "\n".join(lines) + "\n"
