"""Held distances (``compchem.held``, issue 18): a ligand model held in a framework's geometry keeps
its listed distances in the conformer embedding, in the GFN2-xTB relaxations of the free ligand and of
every cluster pose, and in the DFT optimization (geomeTRIC ``$set``); they count in an optimization's
content hash only; Gaussian input freezes them with ``Opt=ModRedundant``; bad definitions are refused
before any job. Real RDKit, tblite and PySCF (B3LYP/STO-3G on water) calculations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from compchem.backends import get_backend
from compchem.backends.base import run_cached
from compchem.build.cluster import LigandInput, build_ligand
from compchem.build.poses import search_poses
from compchem.config import build_plan, load_config_file, read_ligand_sheet
from compchem.errors import InputError
from compchem.held import distances_angstrom, geometric_constraints_text, parse_held_distances
from compchem.jobs.build import build_structure_job
from compchem.jobs.common import spec_from_build
from compchem.models import CalcSpec, LevelOfTheory, Resources

ROOT = Path(__file__).resolve().parents[1]
#: 1,2-dimethoxyethane with its two methyl C tagged: the C···C span held at 3.60 Å (its all-anti
#: conformer has about 3.6 Å; the value only has to be reachable)
DME = "[CH3:1]OCCO[CH3:2]"
DME_HELD = "1-2=3.60"
STO = LevelOfTheory.from_dict("sto", {"basis": "sto-3g", "density_fitting": False, "grid_level": 2})


def test_parse_maps_atom_map_numbers_to_smiles_atoms() -> None:
    assert parse_held_distances(DME_HELD, DME, "t") == ((0, 5, 3.6),)
    assert parse_held_distances("", DME, "t") == ()
    bridging = {lig.name: lig for lig in read_ligand_sheet(ROOT / "structures" / "ligands.tsv")}[
        "Zn2_bridging_Im"
    ]
    # Zn(1)-N(2), N(3)-Zn(4), Zn···Zn and every cap on its Zn (the sheet's row)
    assert bridging.held_distances[:3] == ((1, 4, 2.0), (7, 8, 2.0), (1, 8, 6.0))
    assert len(bridging.held_distances) == 9


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("1-3=2.0", r"atom-map number\(s\) \[3\]"),
        ("1-1=2.0", "with itself"),
        ("1-2=0.1", "outside"),
        ("1:2=2.0", "is not 'a-b=value'"),
        ("1-2=3.6; 2-1=3.7", "held twice"),
    ],
)
def test_bad_held_distances_are_refused(text: str, match: str) -> None:
    with pytest.raises(InputError, match=match):
        parse_held_distances(text, DME, "config ligands[0]")


def test_map_number_used_twice_is_refused() -> None:
    with pytest.raises(InputError, match="used twice"):
        parse_held_distances("1-2=2.0", "[CH3:1]O[CH3:1]", "t")


def test_config_ligand_with_held_distances_reaches_the_build_definition(tmp_path: Path) -> None:
    cfg = load_config_file(ROOT / "workflow" / "config" / "config.yaml")
    cfg["ligands"] = [{"name": "DMEheld", "smiles": DME, "held_distances_angstrom": DME_HELD}]
    cfg["clusters"] = [{"name": "Li_DMEheld", "ligands": ["DMEheld"]}]
    cfg["exchanges"] = []
    plan = build_plan(cfg, [ROOT], check_basis=False)
    assert plan.species_definition("DMEheld")["held_distances_angstrom"] == [[0, 5, 3.6]]
    (entry,) = plan.species_definition("Li_DMEheld")["ligands"]
    assert entry["held_distances_angstrom"] == [[0, 5, 3.6]]
    # a ligand without held distances keeps its definition's bytes (and its build hash)
    assert "held_distances_angstrom" not in plan.species_definition("imidazole")
    cfg["ligands"][0]["held_distances_angstrom"] = "1-7=3.6"
    with pytest.raises(InputError, match=r"config ligands\[0\].*atom-map"):
        build_plan(cfg, [ROOT], check_basis=False)


def test_free_ligand_and_cluster_poses_keep_the_held_distance(tmp_path: Path) -> None:
    held = parse_held_distances(DME_HELD, DME, "t")
    built = build_ligand("DMEheld", DME, 0, n_conformers=3, n_candidates=2, held_distances=held)
    assert distances_angstrom(held, built["coordinates_angstrom"]) == pytest.approx([3.6], abs=1e-4)
    result = search_poses(
        "Li", 1, [LigandInput("DMEheld", DME, 0, held)], n_conformers=3, n_preopt=4, k=2, label="Li_DMEheld"
    )
    assert result["candidates"]
    for cand in result["candidates"]:  # the ion is atom 0: the ligand's atoms shift by one
        assert cand["preopt_method"] == "GFN2-xTB"
        assert distances_angstrom([(1, 6, 3.6)], cand["coordinates_angstrom"]) == pytest.approx(
            [3.6], abs=1e-4
        )


def test_cluster_build_gives_its_spec_the_held_distances_in_cluster_indices(tmp_path: Path) -> None:
    definition = {
        "kind": "cluster",
        "name": "Li_DMEheld",
        "ion_symbol": "Li",
        "ion_charge": 1,
        "multiplicity": 1,
        "charge": 1,
        "ligands": [
            {"name": "DMEheld", "smiles": DME, "charge": 0, "held_distances_angstrom": [[0, 5, 3.6]]}
        ],
        "build": {
            "seed": 3,
            "n_conformers": 2,
            "n_candidates": 4,
            "preopt_method": "GFN2-xTB",
            "max_denticity": 2,
            "n_poses": 1,
        },
    }
    build = tmp_path / "Li_DMEheld.build.json"
    build_structure_job(definition, str(tmp_path / "Li_DMEheld.xyz"), str(build))
    spec = spec_from_build(str(build), STO.to_dict())
    assert spec.held_distances == ((1, 6, 3.6),)
    assert distances_angstrom(spec.held_distances, spec.coordinates_angstrom) == pytest.approx(
        [3.6], abs=1e-4
    )
    assert spec.content_hash() != CalcSpec(spec.symbols, spec.coordinates_angstrom, 1, 1, STO).content_hash()


#: water, O first; one O-H held at 1.10 Å (its B3LYP/STO-3G length is about 1.0 Å)
WATER = (("O", "H", "H"), ((0.0, 0.0, 0.117), (0.0, 0.757, -0.467), (0.0, -0.757, -0.467)))


def test_dft_optimization_holds_the_distance_and_hashes_it(tmp_path: Path) -> None:
    symbols, xyz = WATER
    held = CalcSpec(symbols, xyz, 0, 1, STO, "optimize", label="water_held", held_distances=((0, 1, 1.10),))
    free = CalcSpec(symbols, xyz, 0, 1, STO, "optimize", label="water")
    assert held.content_hash() != free.content_hash()
    # a single point does not depend on them
    energy = CalcSpec(symbols, xyz, 0, 1, STO, "energy", held_distances=((0, 1, 1.10),))
    assert energy.content_hash() == CalcSpec(symbols, xyz, 0, 1, STO, "energy").content_hash()
    result = run_cached(held, Resources(threads=1, memory_mb=1000), None)
    assert result.converged
    d_held, d_free = distances_angstrom([(0, 1, 0.0), (0, 2, 0.0)], result.coordinates_angstrom)
    assert d_held == pytest.approx(1.10, abs=2e-3)  # geomeTRIC meets a $set constraint to ~1e-3 Å
    assert d_free < 1.05  # the other O-H relaxed
    # the recorded gradient is the part the constrained optimizer can lower (converged: small); the
    # full gradient keeps the force on the held O-H, stretched 0.1 Å beyond its minimum
    assert result.gradient_max_hartree_per_bohr < 2e-3
    at_minimum = tuple(map(tuple, result.coordinates_angstrom))
    full = run_cached(CalcSpec(symbols, at_minimum, 0, 1, STO, "gradient"), Resources(1, 1000), None)
    assert full.gradient_max_hartree_per_bohr > 0.02
    (report,) = result.extra["held_distances"]
    assert report["atoms"] == [0, 1] and report["target_angstrom"] == 1.10
    assert geometric_constraints_text(held.held_distances) == "$set\ndistance 1 2 1.100000\n"


def test_xtb_optimization_holds_the_distance() -> None:
    symbols, xyz = WATER
    spec = CalcSpec(symbols, xyz, 0, 1, STO, "optimize", held_distances=((0, 1, 1.10),))
    result = get_backend("xtb").optimize(spec, "GFN2-xTB")
    assert distances_angstrom(spec.held_distances, result.coordinates_angstrom) == pytest.approx(
        [1.10], abs=1e-4
    )


def test_gaussian_input_freezes_held_distances_at_the_input_value() -> None:
    symbols, xyz = WATER
    d = float(np.linalg.norm(np.subtract(xyz[0], xyz[1])))
    gaussian = LevelOfTheory.from_dict("g", {"functional": "b3lyp", "basis": "sto-3g", "backend": "gaussian"})
    spec = CalcSpec(
        symbols, xyz, 0, 1, gaussian, "optimize", label="w", held_distances=((0, 1, round(d, 6)),)
    )
    text = get_backend("gaussian").input_text(spec, Resources())
    assert "Opt=ModRedundant" in text and "\nB 1 2 F\n" in text
    moved = CalcSpec(symbols, xyz, 0, 1, gaussian, "optimize", label="w", held_distances=((0, 1, 1.10),))
    with pytest.raises(InputError, match="freezes it at the input value"):
        get_backend("gaussian").input_text(moved, Resources())
    point = CalcSpec(symbols, xyz, 0, 1, gaussian, "energy", label="w", held_distances=((0, 1, 1.10),))
    assert "ModRedundant" not in get_backend("gaussian").input_text(point, Resources())


def test_frequencies_leave_out_a_held_model_and_its_clusters() -> None:
    """thermo.frequencies on a config with a held ligand: the other species get their frequencies,
    the held ligand and its clusters none (a warning names them), and a thermo job asked for a held
    record by hand is refused before any calculation."""
    cfg = load_config_file(ROOT / "workflow" / "config" / "config.yaml")
    cfg["ligands"] = [{"name": "DMEheld", "smiles": DME, "held_distances_angstrom": DME_HELD}]
    cfg["clusters"] = [
        {"name": "Li_DMEheld", "ligands": ["DMEheld"]},
        {"name": "Li_Im", "ligands": ["imidazole"]},
    ]
    cfg["exchanges"] = []
    cfg["thermo"] = {"frequencies": True}
    plan = build_plan(cfg, [ROOT], check_basis=False)
    assert set(plan.species()) - set(plan.thermo_species()) == {"DMEheld", "Li_DMEheld"}
    assert "Li_Im" in plan.thermo_species() and "imidazole" in plan.thermo_species()
    assert any("['DMEheld', 'Li_DMEheld'] hold distances" in w for w in plan.warnings)
    # by hand: the committed GFN2-xTB record of the held bridging fragment is refused before any work
    import json

    from compchem.jobs.thermo import thermo_job

    record = ROOT / "results/gfn2/records/Zn2_bridging_Im.json"
    level = json.loads(record.read_text())["level"]
    with pytest.raises(InputError, match="held distances .a constrained minimum"):
        thermo_job(str(record), level, {}, str(ROOT / "nowhere.json"))
