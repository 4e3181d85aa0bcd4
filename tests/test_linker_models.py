"""Zn-bound linker models of the ligand sheet (issue 18, first part): each row parses with its stated
charge, is a closed shell, offers the donors its description promises, and a level whose basis lacks
Zn is refused before any DFT. No calculation runs here (RDKit and PySCF's basis library only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from compchem.backends.pyscf_backend import check_level
from compchem.build.ligands import donor_atoms, mol_from_smiles, symbols_of
from compchem.chem import check_charge_multiplicity, n_electrons
from compchem.config import load_config_file, read_ligand_sheet, validate_config
from compchem.errors import InputError
from compchem.models import LevelOfTheory

ROOT = Path(__file__).resolve().parents[1]
LIGANDS = {lig.name: lig for lig in read_ligand_sheet(ROOT / "structures" / "ligands.tsv")}


# name -> (charge, number of lone-pair donors left for Li+)
MODELS = {
    "Zn_imidazolate": (1, 1),  # [Zn(NH3)3(Im)]+: the free N3
    "Zn_Im2_NH3": (0, 2),  # Zn(NH3)2(Im)2: two free N3, either binds Li+
    "Zn_bIm2_NH3": (0, 2),
    "Zn2_bridging_Im": (0, 0),  # both N on Zn: no lone pair left (ring face / edge only)
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_zn_linker_model_charge_shell_and_donors(name: str) -> None:
    lig = LIGANDS[name]
    charge, n_donors = MODELS[name]
    assert lig.charge == charge
    mol = mol_from_smiles(lig.smiles, charge, name)
    symbols = symbols_of(mol)
    assert "Zn" in symbols
    assert n_electrons(symbols, charge) % 2 == 0  # closed-shell d10 Zn2+: a singlet
    donors = donor_atoms(mol)
    assert len(donors) == n_donors
    assert all(symbols[d] == "N" for d in donors)


def test_basis_without_zn_is_refused_before_dft() -> None:
    # PySCF's 6-311+G(d,p) has no Zn (checked with pyscf.gto.basis.load); def2-SVP/def2-TZVP have it
    bare = LevelOfTheory.from_dict("paper", {"functional": "b3lyp", "basis": "6-311+G(d,p)"})
    with pytest.raises(InputError, match="Zn"):
        check_level(bare, {"Li", "Zn", "N", "C", "H"}, "Li_Zn_Im2_NH3")
    mixed = LevelOfTheory.from_dict(
        "paper_zn", {"functional": "b3lyp", "basis": {"default": "6-311+G(d,p)", "Zn": "def2-TZVP"}}
    )
    check_level(mixed, {"Li", "Zn", "N", "C", "H"}, "Li_Zn_Im2_NH3")


def test_odd_electron_cap_is_refused() -> None:
    # [Zn(NH3)2(NH2)(Im)]+ with the NH2 cap as a neutral radical: an odd electron count, refused as a
    # singlet before any build or DFT
    symbols = symbols_of(mol_from_smiles(LIGANDS["Zn_imidazolate"].smiles, 1, "Zn_imidazolate"))
    symbols.remove("H")
    with pytest.raises(InputError):
        check_charge_multiplicity(symbols, 1, 1, "bad_cap")


def test_max_denticity_up_to_six_accepted_seven_refused() -> None:
    # a chain with five or more O can wrap Li+ with up to six of them (issue 18)
    config = load_config_file(ROOT / "workflow" / "config" / "config.yaml")
    config["build"]["max_denticity"] = 6
    assert validate_config(config)["build"]["max_denticity"] == 6
    config["build"]["max_denticity"] = 7
    with pytest.raises(InputError, match="max_denticity"):
        validate_config(config)
