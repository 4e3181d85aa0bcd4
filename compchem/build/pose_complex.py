"""The ion + ligands as one RDKit molecule, and the ion distance windows that restrain it.

Three stages need the same complex: the wrapped embedding of one ligand around the ion, the UFF
fallback that relaxes a whole cluster under the same ion–donor windows, and the symmetry
perception of the deduplication (graph automorphisms of ion + ligands). Keeping the complex and
its windows here means the restraints of the embedding and of the fallback cannot drift apart.
"""

from __future__ import annotations

import numpy as np
from rdkit import Chem
from rdkit.Chem import AllChem

from compchem.build.pose_model import (
    WRAP_ION_DONOR_ANGSTROM,
    WRAP_ION_H_ANGSTROM,
    WRAP_ION_NEIGHBOUR_ANGSTROM,
    WRAP_ION_OTHER_HEAVY_ANGSTROM,
)


def _force_field_energy(mol: Chem.Mol, coords: np.ndarray) -> float:
    """MMFF94 energy (UFF where MMFF lacks parameters) of ``mol`` at ``coords`` in kcal/mol."""
    m = Chem.Mol(mol)
    m.RemoveAllConformers()
    conf = Chem.Conformer(m.GetNumAtoms())
    for i, xyz in enumerate(coords):
        conf.SetAtomPosition(i, [float(v) for v in xyz])
    m.AddConformer(conf, assignId=True)
    if AllChem.MMFFHasAllMoleculeParams(m):
        ff = AllChem.MMFFGetMoleculeForceField(m, AllChem.MMFFGetMoleculeProperties(m))
    else:
        ff = AllChem.UFFGetMoleculeForceField(m)
    return float(ff.CalcEnergy()) if ff is not None else float("nan")


def _complex_mol(ion_symbol: str, ion_charge: int, mols: list[Chem.Mol]) -> Chem.Mol:
    """The ion (atom 0) and the ligands as one sanitized RDKit molecule (no ion–ligand bonds)."""
    ion = Chem.RWMol()
    atom = Chem.Atom(ion_symbol)
    atom.SetFormalCharge(int(ion_charge))
    atom.SetNoImplicit(True)
    ion.AddAtom(atom)
    cx = ion.GetMol()
    for mol in mols:
        cx = Chem.CombineMols(cx, mol)
    Chem.SanitizeMol(cx)
    return cx


def _ion_bounds(cx: Chem.Mol, targets: tuple[int, ...]) -> list[tuple[int, float, float]]:
    """(atom, lower, upper) ion distance windows for a wrapped embedding (complex indices)."""
    out = []
    for atom in cx.GetAtoms():
        j = atom.GetIdx()
        if j == 0:
            continue
        if j in targets:
            out.append((j, *WRAP_ION_DONOR_ANGSTROM))
        elif atom.GetSymbol() == "H":
            out.append((j, WRAP_ION_H_ANGSTROM, 99.0))
        elif any(nb.GetIdx() in targets for nb in atom.GetNeighbors()):
            out.append((j, WRAP_ION_NEIGHBOUR_ANGSTROM, 99.0))
        else:
            out.append((j, WRAP_ION_OTHER_HEAVY_ANGSTROM, 99.0))
    return out
