"""The committed paper-level tables regenerate byte for byte from the committed records.

The inputs are those of the workflow's binding_table rule for the overlays the paper run used
(results/paper/README.md: thermo_xtb.yaml, thermo_xtb_run_geometry.yaml, solvent_dol.yaml), so any
change to the analysis that would alter a committed number or column shows up here."""

from __future__ import annotations

import os

import pytest

from compchem.config import build_plan, load_config_file, merge_configs
from compchem.jobs import binding_table_job

OVERLAYS = ("thermo_xtb.yaml", "thermo_xtb_run_geometry.yaml", "solvent_dol.yaml")
OUTPUTS = ("binding_energies.csv", "binding_energies.md", "binding_energies.json", "exchange_energies.csv")


@pytest.mark.parametrize("level", ["paper", "screening"])
def test_committed_tables_regenerate_byte_identical(root, tmp_path, level):
    config = load_config_file(root / "workflow/config/config.yaml")
    overlays = OVERLAYS if level == "paper" else ("screening.yaml",)
    for name in overlays:
        config = merge_configs(config, load_config_file(root / "workflow/config" / name))
    plan = build_plan(config, [root])
    run = f"results/{level}"
    thermo = plan.config["thermo"]
    species = plan.species()
    solvent_dir = f"solvent_{thermo['solvent']['name']}" if thermo.get("solvent") else None
    out = tmp_path / "out"
    out.mkdir()
    cwd = os.getcwd()
    os.chdir(root)  # the tables hold paths relative to the repository root
    try:
        binding_table_job(
            record_paths={s: f"{run}/records/{s}.json" for s in species},
            clusters=[
                {
                    "name": c.name,
                    "ligands": list(c.ligands),
                    "paper_value_ev": c.paper_value_ev,
                    "paper_label": c.paper_label,
                }
                for c in plan.clusters.values()
            ],
            ion=plan.ion_name,
            level_name=level,
            csv_path=str(out / "binding_energies.csv"),
            md_path=str(out / "binding_energies.md"),
            json_path=str(out / "binding_energies.json"),
            geometry_dir=f"{run}/geometries",
            exchanges=[
                {
                    "name": x.name,
                    "reactants": list(x.reactants),
                    "products": list(x.products),
                    "description": x.description,
                }
                for x in plan.exchanges.values()
            ],
            exchange_csv_path=str(out / "exchange_energies.csv"),
            thermo_paths={s: f"{run}/{plan.thermo_dirname}/{s}.json" for s in species}
            if thermo["frequencies"]
            else {},
            counterpoise_paths={c: f"{run}/counterpoise/{c}.json" for c in plan.clusters}
            if thermo["counterpoise"]
            else {},
            pose_paths={c: f"{run}/poses/{c}.json" for c in plan.clusters},
            solvent_paths={s: f"{run}/{solvent_dir}/{s}.json" for s in species} if solvent_dir else {},
            scan_csv_path=str(out / "thermo_temperatures.csv"),
        )
    finally:
        os.chdir(cwd)
    for name in (*OUTPUTS, "thermo_temperatures.csv"):
        assert (out / name).read_bytes() == (root / run / name).read_bytes(), name


def test_table_inputs_found_on_disk_include_the_solvent_single_points(root):
    """``compchem table`` and the partial model-study table find the implicit-solvent single points
    beside the records, so their exchange rows equal the workflow's committed ones, the solvent and
    free-energy-in-solvent columns included."""
    import csv

    from compchem.analysis.table_inputs import load_table_inputs

    config = load_config_file(root / "workflow/config/config.yaml")
    for name in OVERLAYS:
        config = merge_configs(config, load_config_file(root / "workflow/config" / name))
    plan = build_plan(config, [root])
    cwd = os.getcwd()
    os.chdir(root)
    try:
        found = load_table_inputs(plan, root / "results/paper/records")
    finally:
        os.chdir(cwd)
    assert set(found.solvent) == set(plan.species())
    (row,) = found.exchange_rows()
    with open(root / "results/paper/exchange_energies.csv") as handle:
        (committed,) = list(csv.DictReader(handle))
    for column in ("dE_exchange_eV", "dG_exchange_eV", "dE_exchange_solv_eV", "dG_exchange_solv_eV"):
        assert row[column] == float(committed[column]), column
