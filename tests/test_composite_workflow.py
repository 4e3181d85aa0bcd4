"""The composite protocol B//A through Snakemake: a finished optimization at A is reused, every
species gets B's single point, the tables name the protocol, and thermo/counterpoise work on it."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml
from test_workflow import job_counts, read_csv, run

from compchem.units import HARTREE_TO_EV

pytestmark = pytest.mark.workflow


def test_composite_level_reuses_the_cheap_optimizations(tmp_path, data_dir):
    shutil.copy(data_dir / "ligands_empty.tsv", tmp_path)
    cfg = yaml.safe_load((data_dir / "tiny.yaml").read_text())
    cfg["clusters"] = [{"name": "Li_water", "ligands": ["water"]}]
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(cfg))
    run(["--cores", "2", "--configfile", "a.yaml"], tmp_path)  # level tiny (STO-3G) finished

    cfg["levels"]["big"] = {"basis": "3-21g", "density_fitting": False, "grid_level": 2}
    cfg["levels"]["screen"] = {"energy_level": "big", "geometry_level": "tiny"}
    cfg["run_levels"] = ["screen"]
    cfg["thermo"] = {"frequencies": True, "counterpoise": True}
    (tmp_path / "b.yaml").write_text(yaml.safe_dump(cfg))
    proc = run(["--cores", "2", "--configfile", "b.yaml"], tmp_path)
    counts = job_counts(proc.stdout + proc.stderr)
    assert counts["optimize"] == 3 and counts["thermo"] == 3 and counts["counterpoise"] == 1

    out = tmp_path / "results/screen"
    for species in ("Li_ion", "water", "Li_water"):
        tiny = json.loads((tmp_path / f"results/tiny/records/{species}.json").read_text())
        rec = json.loads((out / f"records/{species}.json").read_text())
        # A's geometry and steps, B's energy
        assert rec["coordinates_angstrom"] == tiny["coordinates_angstrom"]
        assert rec["n_opt_steps"] == tiny["n_opt_steps"]
        assert rec["energy_hartree"] != tiny["energy_hartree"]
        assert rec["extra"]["composite"]["notation"] == "big//tiny"
    # the cheap optimization was reused, not repeated: no optimizer step in the job's log
    log = (out / "logs/Li_water.pose0.log").read_text()
    assert "@tiny: reusing cached result" in log and "opt step" not in log
    assert "single point at 'big'" in log

    row = read_csv(out / "binding_energies.csv")[0]
    assert row["level"] == "big//tiny"
    e = {
        s: json.loads((out / f"records/{s}.json").read_text())["energy_hartree"]
        for s in ("Li_ion", "water", "Li_water")
    }
    assert float(row["E_bind_eV"]) == pytest.approx(
        (e["Li_ion"] + e["water"] - e["Li_water"]) * HARTREE_TO_EV, abs=1e-4
    )
    assert "Composite protocol big//tiny" in (out / "binding_energies.md").read_text()
    # frequencies of a B//A level are A's, at A's minimum; the electronic energy is B's
    thermo = json.loads((out / "thermo/Li_water.json").read_text())
    assert thermo["frequencies_level"] == "tiny" and thermo["n_imaginary"] == 0
    assert thermo["electronic_energy_hartree"] == e["Li_water"]
    assert thermo["frequencies_geometry_change"]["rmsd_angstrom"] < 0.01
    assert row["frequencies_level"] == "tiny" and float(row["dG_bind_eV"]) < float(row["E_bind_eV"])
    # counterpoise single points at B in the complex basis, at A's geometry
    assert float(row["BSSE_eV"]) > 0
    cp = json.loads((out / "counterpoise/Li_water.json").read_text())
    assert cp["complex_energy_hartree"] == pytest.approx(e["Li_water"], abs=1e-8)
