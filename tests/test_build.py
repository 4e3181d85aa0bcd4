import numpy as np
import pytest

from compchem.build.cluster import LigandInput, build_cluster, ion_contacts
from compchem.build.ligands import donor_atoms, mol_from_smiles
from compchem.build.oligomers import oligomer_smiles
from compchem.chem import check_charge_multiplicity, pair_distances
from compchem.errors import InputError, StructureError


def test_pdol_oligomer_smiles():
    # SCIENCE.md §3: the methyl-capped one-unit model is CH3-O-CH2-O-CH2-CH2-O-CH3
    assert oligomer_smiles("COCCO", 1, "CO", "C", "PDOL") == "COCOCCOC"
    two = oligomer_smiles("COCCO", 2, "CO", "C", "PDOL")
    mol = mol_from_smiles(two, 0, "PDOL2")
    assert sum(a.GetSymbol() == "O" for a in mol.GetAtoms()) == 5
    with pytest.raises(InputError, match="n must be >= 1"):
        oligomer_smiles("COCCO", 0, "CO", "C", "PDOL")


def test_donor_atoms_imidazole_uses_n3_only():
    mol = mol_from_smiles("c1cnc[nH]1", 0, "imidazole")
    donors = donor_atoms(mol)
    assert [mol.GetAtomWithIdx(i).GetSymbol() for i in donors] == ["N"]
    assert mol.GetAtomWithIdx(donors[0]).GetTotalNumHs() == 0


def test_donor_atoms_anion_and_ethers():
    assert len(donor_atoms(mol_from_smiles("c1cnc[n-]1", -1, "imidazolate"))) == 2
    assert len(donor_atoms(mol_from_smiles("COCCOC", 0, "DME"))) == 2
    assert donor_atoms(mol_from_smiles("CC", 0, "ethane")) == []


def test_smiles_errors():
    with pytest.raises(InputError, match="ligand 'bad': invalid SMILES"):
        mol_from_smiles("C1CC", 0, "bad")
    with pytest.raises(InputError, match="carries formal charge -1"):
        mol_from_smiles("c1cnc[n-]1", 0, "imidazolate")


def test_charge_multiplicity_check():
    check_charge_multiplicity(["Li"], 1, 1, "Li+")
    with pytest.raises(InputError, match="do not match 2 electrons"):
        check_charge_multiplicity(["Li"], 1, 2, "Li+")
    with pytest.raises(InputError, match="odd"):
        check_charge_multiplicity(["O", "H"], 0, 1, "OH")


def test_no_donor_is_a_clear_error():
    with pytest.raises(StructureError, match="no donor atom"):
        build_cluster("Li", 1, [LigandInput("ethane", "CC", 0)], preopt_method="none")


def _build(seed):
    return build_cluster(
        "Li",
        1,
        [LigandInput("water", "O", 0), LigandInput("DME", "COCCOC", 0)],
        seed=seed,
        n_conformers=4,
        n_candidates=3,
        label="t",
    )


def test_cluster_is_seeded_clash_free_and_coordinated():
    a, b = _build(7), _build(7)
    assert np.allclose(a["coordinates_angstrom"], b["coordinates_angstrom"])
    coords = np.asarray(a["coordinates_angstrom"])
    d = pair_distances(coords)
    np.fill_diagonal(d, np.inf)
    assert d.min() > 0.85  # shortest real bond (C-H/O-H) is ~0.96 Å
    assert a["charge"] == 1 and a["symbols"][0] == "Li"
    # water O and at least one DME O bound after GFN2-xTB relaxation
    contacts = ion_contacts(a["symbols"], coords, a["fragments"])
    frags = {c["fragment"] for c in contacts}
    assert frags == {"water", "DME"}
    assert all(c["distance_angstrom"] < 2.3 for c in contacts)
    assert sum(c["selected"] for c in a["candidates"]) == 1


def test_zn_capped_imidazolate_model():
    # structures/ligands.tsv: Zn(NH3)3 on N1 of imidazolate, charge +1; only imidazolate N3 is free
    mol = mol_from_smiles("N->[Zn+](<-N)(<-N)n1ccnc1", 1, "Zn_imidazolate")
    donors = donor_atoms(mol)
    assert len(donors) == 1
    atom = mol.GetAtomWithIdx(donors[0])
    assert atom.GetSymbol() == "N" and atom.GetIsAromatic() and atom.GetDegree() == 2
