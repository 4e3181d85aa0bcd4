import logging

import numpy as np
import pytest

from compchem.build.cluster import LigandInput, ion_contacts
from compchem.build.ligands import donor_atoms, mol_from_smiles
from compchem.build.oligomers import oligomer_smiles
from compchem.build.poses import build_cluster
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


def test_cached_ligand_build_is_reused_without_a_new_search(tmp_path, caplog):
    """A free ligand's conformer candidates carry no coordinates by design; its cached build is
    reused as it is instead of being taken for an old cluster build and searched again."""
    from compchem.jobs import build_structure_job
    from compchem.records import read_json

    definition = {
        "kind": "ligand",
        "name": "DME",
        "smiles": "COCCOC",
        "charge": 0,
        "multiplicity": 1,
        "build": {"seed": 7, "n_conformers": 4, "ligand_candidates": 3, "preopt_method": "GFN2-xTB"},
    }
    build, cache = tmp_path / "DME.build.json", str(tmp_path / "cache")
    build_structure_job(definition, str(tmp_path / "DME.xyz"), str(build), cache)
    first = read_json(build)
    assert len(first["candidates"]) == 3
    assert not any("coordinates_angstrom" in c for c in first["candidates"])
    with caplog.at_level(logging.INFO, logger="compchem.jobs"):
        build_structure_job(definition, str(tmp_path / "DME.xyz"), str(build), cache)
    assert "reusing cached structure" in caplog.text
    assert "upgraded" not in caplog.text
    assert read_json(build)["candidates"] == first["candidates"]


def test_pose_species_and_upgrade_of_an_older_cached_build(tmp_path):
    """Builds cached before pose coordinates were stored are upgraded by repeating the seeded
    search; pose 0 keeps its cached coordinates (so DFT results computed from it stay valid)."""
    from compchem.jobs import build_structure_job, pose_count, pose_structure_job
    from compchem.records import Cache, read_json

    definition = {
        "kind": "cluster",
        "name": "Li_wa",
        "ion_symbol": "Li",
        "ion_charge": 1,
        "multiplicity": 1,
        "charge": 1,
        "ligands": [
            {"name": "water", "smiles": "O", "charge": 0},
            {"name": "DME", "smiles": "COCCOC", "charge": 0},
        ],
        "build": {
            "seed": 7,
            "n_conformers": 4,
            "n_candidates": 4,
            "n_poses": 3,
            "preopt_method": "GFN2-xTB",
            "max_denticity": 3,
            "ligand_candidates": 1,
        },
    }
    build = tmp_path / "Li_wa.build.json"
    build_structure_job(definition, str(tmp_path / "Li_wa.xyz"), str(build), str(tmp_path / "cache"))
    fresh = read_json(build)
    assert all("coordinates_angstrom" in c for c in fresh["candidates"])
    n = pose_count(str(build), 3)
    assert 2 <= n == len(fresh["candidates"])  # water + DME: mono- and bidentate DME poses

    # make the cache entry look like one written before poses had coordinates, with a pose 0
    # that differs slightly from what the search now gives
    cache = Cache(tmp_path / "cache")
    key = fresh["build_hash"]
    old = cache.get(key, "build")
    old["coordinates_angstrom"] = (np.asarray(old["coordinates_angstrom"]) + 0.01).tolist()
    for c in old["candidates"]:
        c.pop("coordinates_angstrom")
    cache.put(key, "build", old)
    build_structure_job(definition, str(tmp_path / "Li_wa.xyz"), str(build), str(tmp_path / "cache"))
    upgraded = read_json(build)
    assert np.allclose(upgraded["coordinates_angstrom"], old["coordinates_angstrom"])
    assert all("coordinates_angstrom" in c for c in upgraded["candidates"])
    assert np.allclose(
        upgraded["candidates"][1]["coordinates_angstrom"], fresh["candidates"][1]["coordinates_angstrom"]
    )

    # pose species: pose 0 = the cluster's structure, pose k = the k-th distinct candidate
    for k in range(n):
        out = tmp_path / f"Li_wa.pose{k}.build.json"
        pose_structure_job(str(build), k, str(tmp_path / f"Li_wa.pose{k}.xyz"), str(out))
        pose = read_json(out)
        assert pose["name"] == f"Li_wa.pose{k}" and pose["cluster"] == "Li_wa" and pose["pose_rank"] == k
        expected = (
            upgraded["coordinates_angstrom"] if k == 0 else upgraded["candidates"][k]["coordinates_angstrom"]
        )
        assert np.allclose(pose["coordinates_angstrom"], expected)
        assert pose["fragments"] == upgraded["fragments"] and pose["charge"] == 1
    with pytest.raises(InputError, match=f"pose {n} requested"):
        pose_structure_job(str(build), n, str(tmp_path / "x.xyz"), str(tmp_path / "x.json"))
