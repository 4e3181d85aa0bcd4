"""Bonds between two ligands of a cluster are named in the binding and model-study tables.

Reference geometries are real workflow records committed under results/gfn2/records/ (GFN2-xTB minima of
the model study, issue 18): in Li+(PDOL1)(Zn(NH3)2(Im)2)2 GFN2-xTB bonded the Zn of one linker model to
the free N3 of the other (2.10 Å, read off the geometry in the sixteenth session and found again by
the geomeTRIC minimization of the seventeenth); Li+(PDOL1)(imidazole)2 has only Li+ contacts and
hydrogen bonds between ligands."""

from pathlib import Path

import pytest

from compchem.analysis.binding import binding_rows
from compchem.analysis.markdown import interligand_bond_lines
from compchem.analysis.model_study import model_study_markdown, model_study_rows
from compchem.build.bonds import bonds_text, interfragment_bonds
from compchem.records import read_record

RECORDS = Path(__file__).resolve().parents[1] / "results/gfn2/records"


def record(name):
    return read_record(RECORDS / f"{name}.json")


def test_the_zn_linker_cluster_has_one_bond_between_its_linkers():
    rec = record("Li_PDOL1_Zn_Im2_NH3x2")
    (bond,) = interfragment_bonds(rec.symbols, rec.coordinates_angstrom, rec.fragments)
    assert bond["distance_angstrom"] == pytest.approx(2.10, abs=0.01)
    assert sorted(rec.symbols[i] for i in bond["indices"]) == ["N", "Zn"]
    # the two copies of the linker model are told apart; the Li+ fragment is never a partner
    assert bond["label"].startswith("Zn_Im2_NH3#1:") and "Zn_Im2_NH3#2:" in bond["label"]
    assert bonds_text([bond]).endswith("(2.10 Å)")


@pytest.mark.parametrize("name", ["Li_PDOL1_imidazolex2", "Li_PDOL1x2", "Li_PDOL1_Zn2_bridging_Imx2"])
def test_hydrogen_bonds_and_contacts_are_not_bonds(name):
    rec = record(name)
    assert interfragment_bonds(rec.symbols, rec.coordinates_angstrom, rec.fragments) == []


def test_tables_name_the_bonded_cluster():
    names = ["Li_ion", "PDOL1", "Zn_Im2_NH3", "imidazole", "Li_PDOL1_Zn_Im2_NH3x2", "Li_PDOL1_imidazolex2"]
    records = {n: record(n) for n in names}
    clusters = [
        {"name": "Li_PDOL1_Zn_Im2_NH3x2", "ligands": ["PDOL1", "Zn_Im2_NH3", "Zn_Im2_NH3"]},
        {"name": "Li_PDOL1_imidazolex2", "ligands": ["PDOL1", "imidazole", "imidazole"]},
    ]
    rows = binding_rows(records, clusters, "Li_ion")
    assert "Zn_Im2_NH3#1" in rows[0]["interligand_bonds"] and rows[1]["interligand_bonds"] == ""
    (warning,) = [line for line in interligand_bond_lines(rows) if line.startswith("- ")]
    assert warning.startswith("- Li_PDOL1_Zn_Im2_NH3x2: ")
    combo = {
        "linker": "Zn_Im2_NH3",
        "pdol": "PDOL1",
        "li_linker": "Li_Zn_Im2_NH3",
        "li_pdol": "Li_PDOL1x1",
        "li_pdol2": "Li_PDOL1x2",
        "li_pdol_linker2": "Li_PDOL1_Zn_Im2_NH3x2",
        "exchange": "ex",
    }
    (row,) = model_study_rows({"level": "gfn2", "rows": rows, "exchanges": []}, [combo], partial=True)
    assert row["interligand_bonds"].startswith("Li_PDOL1_Zn_Im2_NH3x2: Zn_Im2_NH3#1:")
    assert "Ligands bonded to each other" in model_study_markdown([row], "gfn2", "x")
