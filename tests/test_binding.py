"""Binding-energy arithmetic and tables on hand-made records (pure, no DFT)."""

import csv
import io

import pytest

from compchem.analysis.binding import binding_energy_hartree, binding_rows, exchange_rows, write_tables
from compchem.errors import InputError
from compchem.models import CalcResult
from compchem.units import HARTREE_TO_EV

LEVEL = {"name": "t", "functional": "b3lyp", "basis": "sto-3g", "density_fitting": False, "grid_level": 3}


def rec(label, energy, symbols=("Li",), coords=((0.0, 0.0, 0.0),), fragments=(), level=LEVEL):
    return CalcResult(
        label=label,
        task="optimize",
        program="pyscf",
        program_version="x",
        spec_hash=label,
        level=dict(level),
        charge=1,
        multiplicity=1,
        symbols=list(symbols),
        coordinates_angstrom=[list(c) for c in coords],
        energy_hartree=energy,
        converged=True,
        fragments=list(fragments),
    )


def records():
    cluster = rec(
        "Li_w2",
        -160.0,
        ("Li", "O", "H", "H", "O", "H", "H"),
        (
            (0, 0, 0),
            (0, 0, 1.9),
            (0, 0.8, 2.5),
            (0, -0.8, 2.5),
            (0, 0, -2.1),
            (0, 0.8, -2.7),
            (0, -0.8, -2.7),
        ),
        [
            {"name": "Li", "atom_indices": [0]},
            {"name": "water", "atom_indices": [1, 2, 3]},
            {"name": "water", "atom_indices": [4, 5, 6]},
        ],
    )
    return {"Li_ion": rec("Li_ion", -7.2), "water": rec("water", -76.3), "Li_w2": cluster}


def test_binding_energy_definition():
    # SCIENCE.md §2: E(Li+) + sum E(L) - E(C); two copies of water count twice
    e = binding_energy_hartree(records(), "Li_ion", ["water", "water"], "Li_w2")
    assert e == pytest.approx(-7.2 - 2 * 76.3 + 160.0)
    assert e > 0


def test_rows_contacts_and_paper_delta(tmp_path):
    rows = binding_rows(
        records(),
        [{"name": "Li_w2", "ligands": ["water", "water"], "paper_value_ev": 4.0, "paper_label": "x"}],
        "Li_ion",
        geometry_dir=tmp_path,
    )
    row = rows[0]
    assert row["E_bind_eV"] == pytest.approx(0.2 * HARTREE_TO_EV, abs=1e-4)
    assert row["E_bind_minus_paper_eV"] == pytest.approx(0.2 * HARTREE_TO_EV - 4.0, abs=1e-4)
    assert row["coordination_number"] == 2
    assert row["donor_contacts"] == "water:O1; water:O1"
    assert row["Li_X_distances_angstrom"] == "1.900; 2.100"
    write_tables(rows, "t", records(), tmp_path / "b.csv", tmp_path / "b.md", tmp_path / "b.json")
    table = list(csv.DictReader(io.StringIO((tmp_path / "b.csv").read_text())))
    assert float(table[0]["E_bind_eV"]) == pytest.approx(5.4423, abs=1e-3)
    assert "E_bind = E(Li+)" in (tmp_path / "b.md").read_text()


def test_missing_record_and_mixed_levels():
    recs = records()
    with pytest.raises(InputError, match=r"no record for \['DME'\]"):
        binding_energy_hartree(recs, "Li_ion", ["DME"], "Li_w2")
    recs["water"] = rec("water", -76.3, level={**LEVEL, "basis": "3-21g"})
    with pytest.raises(InputError, match="different levels of theory"):
        binding_rows(recs, [{"name": "Li_w2", "ligands": ["water", "water"]}], "Li_ion")


def test_exchange_reaction_energy():
    from compchem.analysis.binding import exchange_rows

    recs = records()
    recs["Li_w"] = rec("Li_w", -83.55)
    rows = exchange_rows(recs, [{"name": "x", "reactants": ["Li_w2"], "products": ["Li_w", "water"]}])
    # products - reactants: (-83.55 - 76.3) - (-160.0) = +0.15 Ha: losing a water costs energy
    assert rows[0]["dE_exchange_hartree"] == pytest.approx(0.15)
    assert rows[0]["equation"] == "Li_w2 -> Li_w + water"
    assert rows[0]["dE_exchange_eV"] == pytest.approx(0.15 * HARTREE_TO_EV, abs=1e-4)


def test_level_consistency_ignores_unset_optional_settings():
    # a record written before an optional setting existed compares equal to one that stores it as None
    recs = records()
    recs["water"] = rec("water", -76.3, level={**LEVEL, "dispersion": None, "name": "other"})
    rows = binding_rows(recs, [{"name": "Li_w2", "ligands": ["water", "water"]}], "Li_ion")
    assert rows[0]["E_bind_hartree"] == pytest.approx(-7.2 - 2 * 76.3 + 160.0)


def test_level_consistency_ignores_optimizer_settings_but_not_the_method():
    # the paper run: finished species converged under all criteria at 1e-6 Ha, a later cluster under
    # the `qchem` rule at 5e-6 Ha with the preopt Hessian; one level, one binding energy
    recs = records()
    optimizer = {"opt_convergence_rule": "qchem", "opt_convergence_energy_hartree": 5e-6}
    preopt = {**LEVEL, "name": "pre", "basis": "def2-svp"}
    recs["Li_w2"].level.update(optimizer, opt_initial_hessian="preopt", preopt={**preopt, **optimizer})
    recs["water"] = rec(
        "water", -76.3, level={**LEVEL, "opt_convergence_energy_hartree": 1e-6, "preopt": preopt}
    )
    recs["Li_ion"].level["preopt"] = preopt
    rows = binding_rows(recs, [{"name": "Li_w2", "ligands": ["water", "water"]}], "Li_ion")
    assert rows[0]["E_bind_hartree"] == pytest.approx(-7.2 - 2 * 76.3 + 160.0)
    recs["water"] = rec("water", -76.3, level={**LEVEL, "grid_level": 2, "preopt": preopt})
    with pytest.raises(InputError, match="different levels of theory"):
        binding_rows(recs, [{"name": "Li_w2", "ligands": ["water", "water"]}], "Li_ion")


def thermo_file(energy, zpe, h_corr, g_corr, freq_level=None):
    """A thermo JSON as thermo_job writes it (values made up; the arithmetic is what is tested)."""
    out = {
        "is_minimum": True,
        "thermo": {
            "energy_hartree": energy,
            "zpe_hartree": zpe,
            "enthalpy_hartree": energy + h_corr,
            "gibbs_hartree": energy + g_corr,
            "temperature_k": 298.15,
            "standard_state": "1atm",
        },
    }
    if freq_level:
        out.update(
            composite=True,
            frequencies_level=freq_level,
            frequencies_level_settings={**LEVEL, "name": freq_level},
        )
    return out


def test_thermo_columns_and_frequencies_level(tmp_path):
    thermo = {
        "Li_ion": thermo_file(-7.2, 0.0, 0.0014, -0.016, "f"),
        "water": thermo_file(-76.3, 0.021, 0.025, 0.004, "f"),
        "Li_w2": thermo_file(-160.0, 0.046, 0.055, 0.012, "f"),
    }
    cluster = [{"name": "Li_w2", "ligands": ["water", "water"]}]
    row = binding_rows(records(), cluster, "Li_ion", thermo=thermo)[0]
    # binding = reactants - complex: ZPE 2*0.021 - 0.046 = -0.004 Ha on top of E_bind 0.2 Ha
    assert row["E_bind_ZPE_eV"] == pytest.approx(0.196 * HARTREE_TO_EV, abs=1e-4)
    assert row["dG_bind_eV"] == pytest.approx((0.2 - 0.016 + 0.008 - 0.012) * HARTREE_TO_EV, abs=1e-4)
    assert row["frequencies_level"] == "f" and row["thermo_temperature_K"] == 298.15
    write_tables([row], "t", records(), tmp_path / "b.csv", tmp_path / "b.md", tmp_path / "b.json")
    md = (tmp_path / "b.md").read_text()
    assert "Thermochemistry of Li_w2: harmonic frequencies at level 'f', T = 298.15 K" in md
    assert "| cluster | E_bind_eV | BSSE_eV |" in md
    # the exchange Li_w2 -> Li_w + water, with its thermochemistry: products - reactants
    recs = {**records(), "Li_w": rec("Li_w", -83.55)}
    thermo["Li_w"] = thermo_file(-83.55, 0.024, 0.03, 0.0, "f")
    ex = exchange_rows(recs, [{"name": "x", "reactants": ["Li_w2"], "products": ["Li_w", "water"]}], thermo)[
        0
    ]
    assert ex["dG_exchange_eV"] == pytest.approx((0.15 + 0.0 + 0.004 - 0.012) * HARTREE_TO_EV, abs=1e-4)
    assert ex["dE_ZPE_exchange_eV"] == pytest.approx((0.15 + 0.024 + 0.021 - 0.046) * HARTREE_TO_EV, abs=1e-4)
    assert ex["frequencies_level"] == "f"
    # the run summary page (report) shows both tables
    from compchem.report.plots import summary_html

    page = summary_html("t", records(), [row], [ex])
    assert "<h2>Ligand exchange</h2>" in page and f"<td>{ex['dG_exchange_eV']:.3f}</td>" in page
    assert f"<td>{row['dG_bind_eV']:.3f}</td>" in page and "<td>f</td>" in page
    assert (
        exchange_rows(recs, [{"name": "x", "reactants": ["Li_w2"], "products": ["Li_w", "water"]}])[0][
            "dG_exchange_eV"
        ]
        is None
    )
    # corrections from two different levels in one binding energy are refused
    thermo["water"] = thermo_file(-76.3, 0.021, 0.025, 0.004)
    with pytest.raises(InputError, match="different frequency levels"):
        binding_rows(records(), cluster, "Li_ion", thermo=thermo)


def test_temperature_scan_rows_and_table(tmp_path):
    """thermo.temperature_scan_k: dH/dG of bindings and exchanges at each scanned temperature, from
    the thermo files' temperature_scan (made-up values; Σ products − Σ reactants is what is tested)."""
    from compchem.analysis.binding import thermo_scan_rows

    def with_scan(t, points):
        t["temperature_scan"] = [
            {"temperature_k": k, "enthalpy_hartree": h, "gibbs_hartree": g} for k, h, g in points
        ]
        return t

    thermo = {
        "Li_ion": with_scan(
            thermo_file(-7.2, 0.0, 0.0014, -0.016, "f"), [(253.15, -7.1, -7.3), (333.15, -7.0, -7.4)]
        ),
        "water": with_scan(
            thermo_file(-76.3, 0.021, 0.025, 0.004, "f"), [(253.15, -76.2, -76.4), (333.15, -76.1, -76.5)]
        ),
        "Li_w2": with_scan(
            thermo_file(-160.0, 0.046, 0.055, 0.012, "f"),
            [(253.15, -159.7, -159.9), (333.15, -159.6, -159.95)],
        ),
    }
    clusters = [{"name": "Li_w2", "ligands": ["water", "water"]}]
    exchanges = [{"name": "x", "reactants": ["Li_w2"], "products": ["Li_ion", "water", "water"]}]
    scan = thermo_scan_rows(clusters, "Li_ion", exchanges, thermo)
    assert [(r["kind"], r["temperature_K"]) for r in scan] == [
        ("binding", 253.15),
        ("binding", 333.15),
        ("exchange", 253.15),
        ("exchange", 333.15),
    ]
    # binding at 333.15 K: dG = G(Li+) + 2 G(water) - G(Li_w2) = -7.4 - 153.0 + 159.95
    assert scan[1]["dG_eV"] == pytest.approx((-7.4 - 2 * 76.5 + 159.95) * HARTREE_TO_EV, abs=1e-4)
    assert scan[0]["dH_eV"] == pytest.approx((-7.1 - 2 * 76.2 + 159.7) * HARTREE_TO_EV, abs=1e-4)
    assert scan[3]["dG_eV"] == scan[1]["dG_eV"] and scan[0]["frequencies_level"] == "f"
    row = binding_rows(records(), clusters, "Li_ion", thermo=thermo)[0]
    write_tables(
        [row],
        "t",
        records(),
        tmp_path / "b.csv",
        tmp_path / "b.md",
        tmp_path / "b.json",
        scan=scan,
        scan_csv_path=tmp_path / "scan.csv",
    )
    lines = (tmp_path / "scan.csv").read_text().splitlines()
    assert lines[0] == "name,kind,temperature_K,dH_eV,dG_eV,frequencies_level,frequencies_geometry"
    assert len(lines) == 5
    md = (tmp_path / "b.md").read_text()
    assert "| kind | name | dG_eV at 253.15 K | dG_eV at 333.15 K |" in md
    assert f"| binding | Li_w2 | {scan[0]['dG_eV']:.3f} | {scan[1]['dG_eV']:.3f} |" in md
    from compchem.report.plots import summary_html

    page = summary_html("t", records(), [row], [], scan)
    assert "ΔH and ΔG at other temperatures" in page and f"<td>{scan[1]['dG_eV']:.3f}</td>" in page
    # a species without a scan: no scan rows; a temperature only some species have is left out
    del thermo["water"]["temperature_scan"]
    assert thermo_scan_rows(clusters, "Li_ion", exchanges, thermo) == []
    with_scan(thermo["water"], [(253.15, -76.2, -76.4)])
    assert {r["temperature_K"] for r in thermo_scan_rows(clusters, "Li_ion", [], thermo)} == {253.15}


def test_cli_table_prints_exchanges_of_finished_records(tmp_path, capsys):
    """`compchem table` on hand-made records: binding rows and the exchange reaction once all of its
    species have records (energies as in test_exchange_reaction_energy: +0.15 Ha = +4.0817 eV)."""
    import yaml

    from compchem.cli import main
    from compchem.records import write_record

    sheet = tmp_path / "ligands.tsv"
    sheet.write_text("name\tsmiles\tcharge\tdescription\nwater\tO\t0\tw\n")
    config = {
        "ligand_sheet": str(sheet),
        "clusters": [
            {"name": "Li_w", "ligands": ["water"]},
            {"name": "Li_w2", "ligands": ["water", "water"]},
        ],
        "exchanges": [{"name": "x", "reactants": ["Li_w2"], "products": ["Li_w", "water"]}],
        "levels": {"t": {"basis": "sto-3g"}},
        "run_levels": ["t"],
    }
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(config))
    folder = tmp_path / "results" / "t" / "records"
    li_w = rec(
        "Li_w",
        -83.55,
        ("Li", "O", "H", "H"),
        ((0, 0, 0), (0, 0, 1.9), (0, 0.8, 2.5), (0, -0.8, 2.5)),
        [{"name": "Li", "atom_indices": [0]}, {"name": "water", "atom_indices": [1, 2, 3]}],
    )
    for name, record in {**records(), "Li_w": li_w}.items():
        write_record(folder / f"{name}.json", record)
    assert main(["--config", str(tmp_path / "c.yaml"), "table", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "exchange x: Li_w2 -> Li_w + water: dE_exchange_eV 4.0817" in out


def test_geometry_change_flags_a_changed_coordination():
    """geometry_change (composite thermochemistry): a rotated copy has RMSD 0 and keeps its donors;
    pulling one water's O from 1.9 Å to 3.5 Å (beyond the 2.6 Å contact cutoff of ion_contacts) is
    flagged as another minimum."""
    import numpy as np

    from compchem.analysis.parity import geometry_change

    symbols = ["Li", "O", "H", "H", "O", "H", "H"]
    fragments = [
        {"name": "Li", "atom_indices": [0]},
        {"name": "water", "atom_indices": [1, 2, 3]},
        {"name": "water", "atom_indices": [4, 5, 6]},
    ]
    before = np.array(
        [
            [0, 0, 0],
            [1.9, 0, 0],
            [2.5, 0.76, 0],
            [2.5, -0.76, 0],
            [-1.9, 0, 0],
            [-2.5, 0, 0.76],
            [-2.5, 0, -0.76],
        ],
        dtype=float,
    )
    turn = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    same = geometry_change(symbols, fragments, before, before @ turn.T + 3.0)
    assert same["rmsd_angstrom"] == pytest.approx(0.0, abs=1e-6)
    assert same["coordination_kept"] and same["coordination_number_before"] == 2
    after = before.copy()
    after[4:] += [-1.6, 0.0, 0.0]
    moved = geometry_change(symbols, fragments, before, after)
    assert not moved["coordination_kept"]
    assert (moved["coordination_number_before"], moved["coordination_number_after"]) == (2, 1)
    assert moved["rmsd_angstrom"] > 0.3
    # a free ligand (one fragment) has no ion contacts to compare
    free = geometry_change(symbols[1:4], [{"name": "w", "atom_indices": [0, 1, 2]}], before[1:4], before[1:4])
    assert free["coordination_kept"] is None and free["rmsd_angstrom"] == pytest.approx(0.0, abs=1e-9)


def test_binding_and_exchange_tables_flag_thermo_from_another_minimum(tmp_path):
    """A composite thermo file whose cluster changed donors at the frequencies level gives
    thermo_coordination_kept False in the binding and exchange rows and a caution in the Markdown."""
    thermo = {
        "Li_ion": thermo_file(-7.2, 0.0, 0.0014, -0.016, "f"),
        "water": thermo_file(-76.3, 0.021, 0.025, 0.004, "f"),
        "Li_w2": thermo_file(-160.0, 0.046, 0.055, 0.012, "f"),
        "Li_w": thermo_file(-83.55, 0.024, 0.03, 0.0, "f"),
    }
    thermo["water"]["frequencies_geometry_change"] = {"rmsd_angstrom": 0.01, "coordination_kept": None}
    thermo["Li_w2"]["frequencies_geometry_change"] = {"rmsd_angstrom": 0.42, "coordination_kept": False}
    cluster = [{"name": "Li_w2", "ligands": ["water", "water"]}]
    row = binding_rows(records(), cluster, "Li_ion", thermo=thermo)[0]
    assert row["thermo_coordination_kept"] is False and row["thermo_geometry_rmsd_angstrom"] == 0.42
    recs = {**records(), "Li_w": rec("Li_w", -83.55)}
    ex = exchange_rows(recs, [{"name": "x", "reactants": ["Li_w2"], "products": ["Li_w", "water"]}], thermo)
    assert ex[0]["thermo_coordination_kept"] is False
    write_tables(
        [row], "t", records(), tmp_path / "b.csv", tmp_path / "b.md", tmp_path / "b.json", exchanges=ex
    )
    md = (tmp_path / "b.md").read_text()
    assert "Caution: at the frequencies level the ion's donor atoms changed" in md and "of Li_w2" in md
    assert "Caution: the ZPE/H/G columns of x" in md
    # without the record of a change (older thermo files) nothing is claimed
    del thermo["Li_w2"]["frequencies_geometry_change"], thermo["water"]["frequencies_geometry_change"]
    assert binding_rows(records(), cluster, "Li_ion", thermo=thermo)[0]["thermo_coordination_kept"] is None
