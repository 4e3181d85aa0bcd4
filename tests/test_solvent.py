"""Implicit-solvent single points at the gas-phase geometries (config thermo.solvent): real PySCF
ddCOSMO on Li+ / H2O / Li+(H2O) at B3LYP/STO-3G, and the binding and exchange columns they give."""

from pathlib import Path

import pytest
import yaml

from compchem.analysis.binding import binding_rows, exchange_rows, write_tables
from compchem.backends.base import run_cached
from compchem.config import build_plan
from compchem.errors import InputError
from compchem.jobs import solvent_single_point_job
from compchem.models import CalcSpec, LevelOfTheory, Resources
from compchem.records import Cache, read_json, write_record

LEVEL = LevelOfTheory.from_dict("sto", {"basis": "sto-3g", "density_fitting": True, "grid_level": 1})
DOL = {"name": "DOL", "model": "ddcosmo", "eps": 7.1}
GEOMETRIES = {
    "Li_ion": (["Li"], [(0.0, 0.0, 0.0)], 1, "energy"),
    "water": (["O", "H", "H"], [(0.0, 0.0, 0.0), (0.76, 0.59, 0.0), (-0.76, 0.59, 0.0)], 0, "optimize"),
    "Li_w": (
        ["Li", "O", "H", "H"],
        [(0.0, -1.9, 0.0), (0.0, 0.0, 0.0), (0.76, 0.59, 0.0), (-0.76, 0.59, 0.0)],
        1,
        "optimize",
    ),
}


@pytest.fixture(scope="module")
def solvated(tmp_path_factory):
    """Gas-phase records of the three species and their ddCOSMO single points (through the job)."""
    tmp = tmp_path_factory.mktemp("solvent")
    cache_dir = tmp / "cache"
    cache = Cache(cache_dir)
    records, solvent = {}, {}
    for name, (symbols, coords, charge, task) in GEOMETRIES.items():
        fragments = (("Li", (0,)), ("water", (1, 2, 3))) if name == "Li_w" else ()
        spec = CalcSpec(
            tuple(symbols), tuple(coords), charge, 1, LEVEL, task, label=name, fragments=fragments
        )
        records[name] = run_cached(spec, Resources(), cache)
        write_record(tmp / f"{name}.json", records[name])
        out = tmp / f"{name}.solvent.json"
        solvent_single_point_job(
            str(tmp / f"{name}.json"),
            LEVEL.to_dict(),
            DOL,
            str(out),
            cache_dir=str(cache_dir),
            log_path=str(tmp / f"{name}.log"),
        )
        solvent[name] = read_json(out)
    return {"tmp": tmp, "cache_dir": cache_dir, "records": records, "solvent": solvent}


def test_solvent_single_points_and_binding_in_solvent(solvated):
    records, solvent, tmp = solvated["records"], solvated["solvent"], solvated["tmp"]
    for name, s in solvent.items():
        # same geometry and level, only the continuum differs; every species is stabilized by it
        assert s["gas_energy_hartree"] == records[name].energy_hartree
        assert s["solvation_energy_hartree"] == pytest.approx(s["energy_hartree"] - s["gas_energy_hartree"])
        assert s["solvation_energy_hartree"] < 0
        assert "IMPLICIT SOLVENT ddcosmo (eps = 7.1)" in s["description"]
    # a bare cation gains far more from the dielectric than the same charge spread over a complex
    # (Born: -(1 - 1/eps) q^2 / 2r, larger for the smaller ion), so binding is weaker in solvent
    assert solvent["Li_ion"]["solvation_energy_hartree"] < solvent["Li_w"]["solvation_energy_hartree"] - 0.02
    row = binding_rows(records, [{"name": "Li_w", "ligands": ["water"]}], "Li_ion", solvent=solvent)[0]
    assert 0 < row["E_bind_solv_eV"] < row["E_bind_eV"] - 0.5
    assert row["solvent"] == "DOL: ddcosmo eps=7.1"
    # the exchange Li_w -> Li_ion + water is the binding energy the other way round
    ex = exchange_rows(
        records, [{"name": "x", "reactants": ["Li_w"], "products": ["Li_ion", "water"]}], solvent=solvent
    )[0]
    assert ex["dE_exchange_solv_eV"] == pytest.approx(row["E_bind_solv_eV"], abs=2e-4)
    write_tables([row], "sto", records, tmp / "b.csv", tmp / "b.md", tmp / "b.json", [ex], tmp / "x.csv")
    md = (tmp / "b.md").read_text()
    assert "IMPLICIT SOLVENT (DOL: ddcosmo eps=7.1): single points at the gas-phase geometries" in md
    assert f"| Li_w | {row['E_bind_eV']:.3f} | {row['E_bind_solv_eV']:.3f} |" in md
    # without every species' single point there is no solvent column
    partial = {k: v for k, v in solvent.items() if k != "water"}
    assert (
        binding_rows(records, [{"name": "Li_w", "ligands": ["water"]}], "Li_ion", solvent=partial)[0][
            "E_bind_solv_eV"
        ]
        is None
    )


def test_solvent_single_point_is_cached_and_refuses_a_solvent_level(solvated, tmp_path):
    tmp, cache_dir = solvated["tmp"], solvated["cache_dir"]
    out = tmp_path / "again.json"
    solvent_single_point_job(
        str(tmp / "Li_w.json"),
        LEVEL.to_dict(),
        DOL,
        str(out),
        cache_dir=str(cache_dir),
        log_path=str(tmp_path / "again.log"),
    )
    assert read_json(out)["spec_hash"] == solvated["solvent"]["Li_w"]["spec_hash"]
    assert "reusing cached result" in (tmp_path / "again.log").read_text()
    in_solvent = {**LEVEL.to_dict(), "solvent_model": "pcm", "solvent_eps": 7.1}
    with pytest.raises(InputError, match="already an implicit-solvent level"):
        solvent_single_point_job(str(tmp / "Li_w.json"), in_solvent, DOL, str(tmp_path / "x.json"))


def test_solvent_config_is_checked_before_any_work(tmp_path):
    sheet = tmp_path / "ligands.tsv"
    sheet.write_text("name\tsmiles\tcharge\tdescription\nwater\tO\t0\tw\n")
    base = {
        "ligand_sheet": str(sheet),
        "clusters": [{"name": "Li_w", "ligands": ["water"]}],
        "exchanges": [],
        "levels": {"t": {"basis": "sto-3g"}, "g": {"backend": "gaussian", "basis": "sto-3g"}},
        "run_levels": ["t"],
        "results_dir": str(tmp_path / "results"),
    }
    assert build_plan({**base, "thermo": {"solvent": DOL}}).config["thermo"]["solvent"] == DOL
    with pytest.raises(InputError, match="solvent"):
        build_plan({**base, "thermo": {"solvent": {**DOL, "eps": 0.5}}})
    with pytest.raises(InputError, match="solvent"):
        build_plan({**base, "thermo": {"solvent": {**DOL, "name": "../x"}}})
    with pytest.raises(InputError, match="solvent"):
        build_plan({**base, "thermo": {"solvent": {"name": "DOL", "model": "cpcm", "eps": 7.1}}})
    with pytest.raises(InputError, match="gas-phase PySCF level"):
        build_plan({**base, "run_levels": ["g"], "thermo": {"solvent": DOL}})
    # the overlay shipped for the paper level parses and names the solvent
    overlay = yaml.safe_load(Path("workflow/config/solvent_dol.yaml").read_text())
    assert overlay["thermo"]["solvent"] == DOL
