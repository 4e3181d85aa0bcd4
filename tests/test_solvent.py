"""Implicit-solvent single points at the gas-phase geometries (config thermo.solvent): real PySCF
ddCOSMO on Li+ / H2O / Li+(H2O) at B3LYP/STO-3G, and the binding and exchange columns they give."""

import math
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from compchem.analysis.binding import binding_rows, exchange_rows, write_tables
from compchem.backends.base import run_cached
from compchem.config import build_plan
from compchem.errors import InputError
from compchem.jobs import solvent_single_point_job
from compchem.models import CalcSpec, LevelOfTheory, Resources
from compchem.records import Cache, read_json, read_record, write_record

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
    again = (tmp_path / "again.log").read_text()
    assert "reusing cached result" in again
    # the rerun's log gets back the log of the run that computed the single point (with PySCF's SCF)
    assert "==== log of the run that computed this result" in again and "converged SCF energy" in again
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
    with pytest.raises(InputError, match="cavity radius for unknown element 'Q'"):
        build_plan({**base, "thermo": {"solvent": {**DOL, "radii_angstrom": {"Q": 1.5}}}})
    with pytest.raises(InputError, match="solvent"):
        build_plan({**base, "thermo": {"solvent": {**DOL, "radii_angstrom": {"Li": 0}}}})
    # the overlay shipped for the paper level parses and names the solvent
    overlay = yaml.safe_load(Path("workflow/config/solvent_dol.yaml").read_text())
    assert overlay["thermo"]["solvent"] == DOL


def test_cavity_radius_of_the_ion_sets_its_solvation_energy(solvated, tmp_path):
    """thermo.solvent.radii_angstrom: a set Li radius replaces the model's, is recorded, and moves the
    bare ion's solvation energy as the Born model says (-(1 - 1/eps) q^2 / 2R for a charge inside its
    sphere, so E_solv * R is about constant)."""
    tmp, cache_dir = solvated["tmp"], solvated["cache_dir"]
    default = solvated["solvent"]["Li_ion"]
    # PySCF's ddCOSMO default for Li: 1.1 x its UFF radius (pyscf.data.radii.UFF), 1.348 Angstrom
    assert default["cavity_radii_angstrom"] == {"Li": pytest.approx(1.348, abs=1e-3)}
    out = {}
    for radius in (1.6, 2.0):
        path = tmp_path / f"Li_{radius}.json"
        solvent_single_point_job(
            str(tmp / "Li_ion.json"),
            LEVEL.to_dict(),
            {**DOL, "radii_angstrom": {"Li": radius}},
            str(path),
            cache_dir=str(cache_dir),
            log_path=str(tmp_path / f"Li_{radius}.log"),
        )
        out[radius] = read_json(path)
        assert out[radius]["cavity_radii_angstrom"] == {"Li": radius}
        assert f"radii Li {radius:g} Å" in out[radius]["description"]
        assert f"cavity sphere radii (Å): Li {radius}" in (tmp_path / f"Li_{radius}.log").read_text()
    e_default, e16, e20 = (d["solvation_energy_hartree"] for d in (default, out[1.6], out[2.0]))
    assert e_default < e16 < e20 < 0  # the larger the cavity, the less the continuum stabilizes
    born = -(1 - 1 / 7.1) / (2 * 2.0 / 0.529177210903)  # Hartree, q = 1, R = 2.0 Angstrom in bohr
    assert e20 == pytest.approx(born, rel=0.05)
    assert e16 * 1.6 == pytest.approx(e20 * 2.0, rel=0.05)
    # water keeps its model radii (only Li is set); the cluster's Li sphere is the set one
    more = {}
    for name in ("water", "Li_w"):
        path = tmp_path / f"{name}_r.json"
        solvent_single_point_job(
            str(tmp / f"{name}.json"),
            LEVEL.to_dict(),
            {**DOL, "radii_angstrom": {"Li": 2.0}},
            str(path),
            cache_dir=str(cache_dir),
        )
        more[name] = read_json(path)
    water = more["water"]
    assert water["cavity_radii_angstrom"] == solvated["solvent"]["water"]["cavity_radii_angstrom"]
    assert water["energy_hartree"] == pytest.approx(solvated["solvent"]["water"]["energy_hartree"], abs=1e-9)
    assert more["Li_w"]["cavity_radii_angstrom"]["Li"] == 2.0
    clusters = [{"name": "Li_w", "ligands": ["water"]}]
    row = binding_rows(solvated["records"], clusters, "Li_ion", solvent={"Li_ion": out[2.0], **more})[0]
    assert row["solvent"] == "DOL: ddcosmo eps=7.1, cavity radii Li 2 Å"
    row_default = binding_rows(solvated["records"], clusters, "Li_ion", solvent=solvated["solvent"])[0]
    assert row["E_bind_solv_eV"] != pytest.approx(row_default["E_bind_solv_eV"], abs=0.01)


def test_cavity_radii_on_a_pcm_level_and_bad_radii():
    """A level's solvent_radii_angstrom works for IEF-PCM too (PySCF default there: 1.2 x modified
    Bondi, Li 2.184 Angstrom) and leaves the content hash of levels without it unchanged."""
    from compchem.backends.pyscf_backend import cavity_radii_angstrom

    def level(**settings):
        return LevelOfTheory.from_record({**LEVEL.to_dict(), "name": "p", "solvent_model": "pcm", **settings})

    pcm = level(solvent_eps=7.1)
    set_li = level(solvent_eps=7.1, solvent_radii_angstrom={"Li": 1.9})
    ion = CalcSpec(("Li",), ((0.0, 0.0, 0.0),), 1, 1, pcm, "energy", label="Li")
    assert cavity_radii_angstrom(ion) == {"Li": pytest.approx(2.184, abs=1e-3)}
    assert cavity_radii_angstrom(replace(ion, level=set_li)) == {"Li": 1.9}
    e_default = run_cached(ion, Resources(), None).energy_hartree
    e_set = run_cached(replace(ion, level=set_li), Resources(), None).energy_hartree
    assert e_set < e_default  # a smaller sphere: stronger solvation
    assert "solvent_radii_angstrom" not in pcm.science_dict()  # unset: hash as before the key existed
    assert set_li.to_dict()["solvent_radii_angstrom"] == {"Li": 1.9}
    assert LevelOfTheory.from_record(set_li.to_dict()) == set_li
    for bad, match in (
        ({"Xx": 1.5}, "unknown element 'Xx'"),
        ({"Li": -1}, "radius of Li"),
        ([1.5], "must map"),
    ):
        with pytest.raises(InputError, match=match):
            level(solvent_eps=7.1, solvent_radii_angstrom=bad)
    with pytest.raises(InputError, match="needs a solvent_model"):
        LevelOfTheory.from_dict("q", {"basis": "sto-3g", "solvent_radii_angstrom": {"Li": 1.9}})


def test_free_energy_in_solvent_is_the_thermodynamic_cycle_at_one_molar(root):
    """dG_exchange_solv of the committed paper exchange (GFN2-xTB thermo at the B3LYP geometries, ddCOSMO
    DOL single points; results/paper/README.md) = gas-phase dG + the change of the solvation energies
    + Δn·RT·ln(24.46) for 1 atm -> 1 mol/L (Δn = -1: three molecules become two); a 1 M thermo file
    gets no second correction, and a species without its single point leaves the column empty."""
    run = root / "results/paper"
    names = ["Li_PDOL2", "imidazole", "Li_PDOL_Im2", "PDOL1"]
    records = {n: read_record(run / f"records/{n}.json") for n in names}
    thermo = {n: read_json(run / f"thermo_GFN2-xTB_at_run_geometry/{n}.json") for n in names}
    solvent = {n: read_json(run / f"solvent_DOL/{n}.json") for n in names}
    ex = [
        {
            "name": "x",
            "reactants": ["Li_PDOL2", "imidazole", "imidazole"],
            "products": ["Li_PDOL_Im2", "PDOL1"],
        }
    ]
    row = exchange_rows(records, ex, thermo, solvent)[0]
    rt_ln_molar_volume_ev = 8.617333e-5 * 298.15 * math.log(0.082057366 * 298.15)  # 0.0822 eV
    cycle = row["dG_exchange_eV"] + row["dE_exchange_solv_eV"] - row["dE_exchange_eV"] - rt_ln_molar_volume_ev
    assert row["dG_exchange_solv_eV"] == pytest.approx(cycle, abs=3e-4)
    assert row["dG_exchange_solv_eV"] > 0 > row["dG_exchange_eV"]  # uphill in DOL at 1 M, downhill in gas
    at_1m = {n: {**t, "thermo": {**t["thermo"], "standard_state": "1M"}} for n, t in thermo.items()}
    row_1m = exchange_rows(records, ex, at_1m, solvent)[0]
    assert row_1m["dG_exchange_solv_eV"] == pytest.approx(cycle + rt_ln_molar_volume_ev, abs=3e-4)
    del solvent["PDOL1"]
    assert exchange_rows(records, ex, thermo, solvent)[0]["dG_exchange_solv_eV"] is None
