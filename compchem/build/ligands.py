"""Ligands from SMILES with RDKit: validation, seeded 3D conformers and donor atoms."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from rdkit import Chem, RDLogger
from rdkit.Chem import AllChem

from compchem.chem import check_charge_multiplicity
from compchem.errors import InputError, StructureError
from compchem.held import HeldDistance

log = logging.getLogger(__name__)


def mol_from_smiles(smiles: str, charge: int, label: str) -> Chem.Mol:
    """Parse ``smiles`` (explicit H added) and check it carries the stated total charge.

    Raises
    ------
    InputError
        Invalid SMILES, or formal charges summing to another value than ``charge``.
    """
    RDLogger.DisableLog("rdApp.*")
    try:
        mol = Chem.MolFromSmiles(smiles) if isinstance(smiles, str) and smiles.strip() else None
    finally:
        RDLogger.EnableLog("rdApp.*")
    if mol is None:
        raise InputError(f"ligand '{label}': invalid SMILES {smiles!r}")
    formal = Chem.GetFormalCharge(mol)
    if formal != charge:
        raise InputError(
            f"ligand '{label}': charge {charge:+d} given, but the SMILES {smiles!r} carries "
            f"formal charge {formal:+d}"
        )
    for atom in mol.GetAtoms():  # atom-map numbers only name atoms of held distances (compchem.held)
        atom.SetAtomMapNum(0)
    mol = Chem.AddHs(mol)
    symbols = [a.GetSymbol() for a in mol.GetAtoms()]
    n_radical = sum(a.GetNumRadicalElectrons() for a in mol.GetAtoms())
    check_charge_multiplicity(symbols, charge, n_radical + 1, f"ligand '{label}'")
    return mol


def donor_atoms(mol: Chem.Mol) -> list[int]:
    """Indices of atoms that can donate a lone pair to Li⁺.

    O (ether, carbonyl, hydroxyl, anionic), F, and N that keeps a lone pair: pyridine-type aromatic N
    (no H, two neighbours, e.g. imidazole N3), anionic N, nitrile N and sp3 amine N not bound to a
    carbonyl or aromatic ring (amide/aniline N lone pairs are delocalized). Atoms with a dative bond
    (already coordinated to a metal) are not donors.
    """
    donors = []
    for atom in mol.GetAtoms():
        symbol = atom.GetSymbol()
        if any(b.GetBondType() == Chem.BondType.DATIVE for b in atom.GetBonds()):
            continue  # its lone pair is already given to a metal (e.g. NH3 capping Zn)
        if symbol in ("O", "F") and atom.GetFormalCharge() <= 0:
            donors.append(atom.GetIdx())
        elif symbol == "N" and atom.GetFormalCharge() <= 0:
            if atom.GetFormalCharge() < 0:
                donors.append(atom.GetIdx())
            elif atom.GetIsAromatic():
                if atom.GetTotalNumHs() == 0 and atom.GetDegree() == 2:
                    donors.append(atom.GetIdx())
            elif atom.GetHybridization() == Chem.HybridizationType.SP or (
                atom.GetHybridization() == Chem.HybridizationType.SP3
                and not any(
                    nb.GetIsAromatic() or any(b.GetBondType() == Chem.BondType.DOUBLE for b in nb.GetBonds())
                    for nb in atom.GetNeighbors()
                )
            ):  # nitrile N, or an amine N whose lone pair is not delocalized
                donors.append(atom.GetIdx())
    return donors


@dataclass(frozen=True)
class Conformer:
    """One 3D conformer: coordinates in Å and its force-field energy (kcal/mol, RDKit's unit)."""

    coordinates_angstrom: np.ndarray
    ff_energy_kcal_per_mol: float


def force_field(mol: Chem.Mol) -> str | None:
    """The force field that types every atom of ``mol``: ``"MMFF94"``, else ``"UFF"``, else None.

    None for the Zn²⁺ linker models: UFF without a type for an atom drops that atom's bonds and
    tears the metal off its ligands, so such a molecule is better left as embedded."""
    if AllChem.MMFFHasAllMoleculeParams(mol):
        return "MMFF94"
    return "UFF" if AllChem.UFFHasAllMoleculeParams(mol) else None


def embed_conformers(
    mol: Chem.Mol, n_conformers: int, seed: int, label: str, held: tuple[HeldDistance, ...] = ()
) -> list[Conformer]:
    """Seeded ETKDGv3 conformers, relaxed with MMFF94 (UFF where MMFF lacks parameters, as embedded
    where UFF lacks them too: energy 0), sorted by force-field energy and pruned at 0.3 Å heavy-atom
    RMSD. Same seed, same conformers. ``held`` distances (``compchem.held``) enter the distance-geometry
    bounds (value ± ``HELD_EMBED_TOLERANCE_ANGSTROM``) and are kept as embedded: no force field."""
    mol = Chem.Mol(mol)
    params = AllChem.ETKDGv3()
    params.randomSeed = int(seed)
    params.pruneRmsThresh = 0.3
    params.numThreads = 1
    if held:
        params.SetBoundsMat(_held_bounds(mol, held, label))
        params.useRandomCoords = True
    ids = list(AllChem.EmbedMultipleConfs(mol, numConfs=max(1, n_conformers), params=params))
    if not ids:
        params.useRandomCoords = True
        ids = list(AllChem.EmbedMultipleConfs(mol, numConfs=max(1, n_conformers), params=params))
    if not ids:
        raise StructureError(f"ligand '{label}': RDKit could not embed a 3D structure")
    field = force_field(mol) if mol.GetNumAtoms() > 1 and not held else None
    if field == "MMFF94":
        results = AllChem.MMFFOptimizeMoleculeConfs(mol, maxIters=2000, numThreads=1)
    elif field == "UFF":
        log.info("ligand '%s': MMFF94 lacks parameters, relaxing conformers with UFF", label)
        results = AllChem.UFFOptimizeMoleculeConfs(mol, maxIters=2000, numThreads=1)
    else:  # held atoms (the xTB relaxation holds them), one atom, or no force field types every atom
        if mol.GetNumAtoms() > 1 and not held:
            log.info("ligand '%s': no force field has all parameters, conformers kept as embedded", label)
        results = [(0, 0.0)] * len(ids)
    conformers = [
        Conformer(np.array(mol.GetConformer(cid).GetPositions()), float(energy))
        for cid, (_, energy) in zip(ids, results, strict=True)
    ]
    conformers.sort(key=lambda c: c.ff_energy_kcal_per_mol)
    return conformers


#: Half-width (Å) of the distance-geometry window of a held distance in a conformer embedding.
HELD_EMBED_TOLERANCE_ANGSTROM = 0.02


def _held_bounds(mol: Chem.Mol, held: tuple[HeldDistance, ...], label: str) -> np.ndarray:
    """The molecule's distance-geometry bounds with each held pair's window written in, smoothed."""
    from rdkit.Chem import rdDistGeom
    from rdkit.DistanceGeometry import DoTriangleSmoothing

    bm = rdDistGeom.GetMoleculeBoundsMatrix(mol)
    for i, j, value in held:  # upper triangle: upper bounds; lower triangle: lower bounds
        lo, hi = sorted((int(i), int(j)))
        bm[lo, hi] = value + HELD_EMBED_TOLERANCE_ANGSTROM
        bm[hi, lo] = value - HELD_EMBED_TOLERANCE_ANGSTROM
    if not DoTriangleSmoothing(bm):
        raise InputError(
            f"ligand '{label}': the held distances {[list(h) for h in held]} contradict its bonding "
            "(no embedding can satisfy them)"
        )
    return bm


def symbols_of(mol: Chem.Mol) -> list[str]:
    """Element symbols in atom order."""
    return [a.GetSymbol() for a in mol.GetAtoms()]
