"""Bad input gets one clear error naming the entry, before any DFT."""

import pytest
import yaml

from compchem.config import build_plan, load_plan
from compchem.errors import InputError


def base(tmp_path, **over):
    sheet = tmp_path / "ligands.tsv"
    sheet.write_text("name\tsmiles\tcharge\tdescription\nwater\tO\t0\tw\nammonia\tN\t0\ta\n")
    cfg = {
        "ligand_sheet": str(sheet),
        "clusters": [{"name": "Li_w", "ligands": ["water"]}],
        "levels": {"t": {"basis": "sto-3g"}},
        "run_levels": ["t"],
    }
    cfg.update(over)
    return cfg


def test_thermo_folder_follows_the_frequencies_level(tmp_path):
    assert build_plan(base(tmp_path)).thermo_dirname == "thermo"
    levels = {"t": {"basis": "sto-3g"}, "f": {"basis": "sto-3g", "density_fitting": False}}
    plan = build_plan(base(tmp_path, levels=levels, thermo={"frequencies_level": "f"}))
    assert plan.frequencies_level == "f" and plan.thermo_dirname == "thermo_f"
    at_run = build_plan(
        base(tmp_path, levels=levels, thermo={"frequencies_level": "f", "frequencies_geometry": "run_level"})
    )
    assert at_run.thermo_dirname == "thermo_f_at_run_geometry"


def test_default_config_is_valid(root):
    plan = load_plan(root / "workflow" / "config" / "config.yaml", [root])
    assert plan.species() == ["Li_ion", "imidazole", "PDOL1", "Li_Im", "Li_PDOL", "Li_PDOL2", "Li_PDOL_Im2"]
    assert plan.ligands["PDOL1"].smiles == "COCOCCOC"
    assert plan.levels["paper"].basis == "6-311+G(d,p)"
    assert plan.clusters["Li_PDOL_Im2"].paper_value_ev == 4.02
    assert plan.charge_multiplicity("Li_PDOL2") == (1, 1)
    assert plan.exchanges["PDOL2_to_PDOL_Im2"].products == ("Li_PDOL_Im2", "PDOL1")
    assert plan.levels["paper"].preopt.basis == "def2-SVP"


def test_defaults_filled(tmp_path):
    plan = build_plan(base(tmp_path))
    assert plan.build["seed"] == 42 and plan.ion_name == "Li_ion"
    assert plan.levels["t"].functional == "b3lyp"


def test_dft_poses_per_cluster(root, tmp_path):
    plan = build_plan(
        base(
            tmp_path,
            clusters=[
                {"name": "Li_w", "ligands": ["water"]},
                {"name": "Li_a", "ligands": ["ammonia"], "dft_poses": 1},
            ],
        )
    )
    assert plan.dft_poses("Li_w") == 3 and plan.dft_poses("Li_a") == 1
    # pose species are sized and charged like their cluster; other names pass through
    assert plan.base_species("Li_w.pose2") == "Li_w" and plan.base_species("water") == "water"
    assert plan.symbols("Li_w.pose1") == ["Li", "O", "H", "H"]
    assert plan.charge_multiplicity("Li_a.pose0") == (1, 1)
    # the default config sends one pose of each 40-atom cluster to DFT, three of the small ones
    default = load_plan(root / "workflow" / "config" / "config.yaml", [root])
    assert [default.dft_poses(c) for c in default.clusters] == [3, 3, 1, 1]
    # pose screening ranks poses at a level's preopt level, only where one is set
    assert default.screening_level("paper") is None
    default.config["pose_screening"] = "preopt_level"
    assert default.screening_level("paper") == "paper_preopt" and default.screening_level("demo") is None
    # ... or at any level named for it (a mapping): only the named levels are screened
    default.config["pose_screening"] = {"paper": "demo"}
    assert default.screening_level("paper") == "demo" and default.screening_level("demo") is None


@pytest.mark.parametrize(
    "over, message",
    [
        ({"bogus": 1}, "Additional properties are not allowed ('bogus' was unexpected)"),
        ({"levels": {"t": {"basis": "sto-3g", "functionl": "pbe"}}}, "levels/t"),
        (
            {"clusters": [{"name": "Li_x", "ligands": ["nope"]}]},
            "cluster 'Li_x' names unknown ligand(s) ['nope']",
        ),
        ({"clusters": [{"name": "../evil", "ligands": ["water"]}]}, "'../evil' is not a safe file name"),
        ({"clusters": [{"name": "water", "ligands": ["water"]}]}, "cluster name 'water' is used twice"),
        (
            {
                "ligands": [{"name": "bad", "smiles": "C1CC"}],
                "clusters": [{"name": "Li_b", "ligands": ["bad"]}],
            },
            "ligand 'bad': invalid SMILES 'C1CC'",
        ),
        (
            {
                "ligands": [{"name": "im", "smiles": "c1cnc[n-]1", "charge": 0}],
                "clusters": [{"name": "Li_b", "ligands": ["im"]}],
            },
            "carries formal charge -1",
        ),
        (
            {"clusters": [{"name": "Li_w", "ligands": ["water"], "multiplicity": 2}]},
            "cluster 'Li_w': charge +1 and multiplicity 2 do not match 12 electrons",
        ),
        (
            {"ion": {"symbol": "Li", "charge": 1, "multiplicity": 2}},
            "ion: charge +1 and multiplicity 2 do not match 2 electrons",
        ),
        (
            {"levels": {"t": {"basis": {"H": "sto-3g", "O": "sto-3g"}}}},
            "level 't': no basis given for element Li",
        ),
        (
            {
                "levels": {"t": {"basis": "6-31g*"}},
                "ligands": [{"name": "xe", "smiles": "[Xe]"}],
                "clusters": [{"name": "Li_xe", "ligands": ["xe"]}],
            },
            "basis '6-31g*' of level 't' has no functions for element Xe",
        ),
        ({"run_levels": ["missing"]}, "run_levels names unknown level 'missing'"),
        (
            {"thermo": {"temperature_k": -5}},
            "config: thermo/temperature_k: -5 is less than or equal to the minimum of 0",
        ),
        (
            {"thermo": {"pressure_atm": 0}},
            "config: thermo/pressure_atm: 0 is less than or equal to the minimum of 0",
        ),
        (
            {"levels": {"t": {"basis": "sto-3g", "preopt_level": "nope"}}},
            "level 't': preopt_level 'nope' is not a defined level",
        ),
        ({"levels": {"t": {"basis": "sto-3g", "preopt_level": "t"}}}, "preopt_level chain is too deep"),
        (
            {"exchanges": [{"name": "x", "reactants": ["Li_w"], "products": ["Li_q"]}]},
            "exchange 'x' names unknown species ['Li_q']",
        ),
        (
            {"exchanges": [{"name": "x", "reactants": ["Li_w"], "products": ["Li_ion"]}]},
            "exchange 'x' is not balanced",
        ),
        (
            {"clusters": [{"name": "Li_w", "ligands": ["water"], "dft_poses": 4}]},
            "cluster 'Li_w': dft_poses = 4 but the pose search keeps only build.n_poses = 3",
        ),
        (
            {"clusters": [{"name": "Li_w.pose1", "ligands": ["water"]}]},
            "species name 'Li_w.pose1' ends in '.pose<number>'",
        ),
        ({"thermo": {"frequencies_level": "nope"}}, "thermo.frequencies_level names unknown level 'nope'"),
        (
            {"thermo": {"frequencies_geometry": "run_level"}},
            "thermo.frequencies_geometry 'run_level' needs a thermo.frequencies_level",
        ),
        ({"thermo": {"frequencies_geometry": "somewhere"}}, "frequencies_geometry"),
        (
            {
                "levels": {"t": {"basis": "sto-3g"}, "g": {"basis": "sto-3g", "backend": "gaussian"}},
                "thermo": {"frequencies_level": "g"},
            },
            "thermo.frequencies_level 'g': frequencies need a PySCF level (backend is gaussian)",
        ),
        (
            {
                "levels": {"t": {"basis": "sto-3g"}, "f": {"basis": {"H": "sto-3g", "O": "sto-3g"}}},
                "thermo": {"frequencies_level": "f"},
            },
            "level 'f': no basis given for element Li",
        ),
        ({"pose_screening": {"t": "nope"}}, "pose_screening names unknown level 'nope'"),
        ({"pose_screening": {"t": "t"}}, "pose_screening: level 't' cannot rank its poses at itself"),
        (
            {
                "levels": {"t": {"basis": "sto-3g"}, "s": {"basis": "sto-3g"}, "r": {"basis": "sto-3g"}},
                "pose_screening": {"t": "s", "s": "r"},
            },
            "pose_screening: the screening level 's' of 't' is screened itself",
        ),
        (
            {
                "levels": {"t": {"basis": "sto-3g"}, "s": {"basis": {"H": "sto-3g", "O": "sto-3g"}}},
                "pose_screening": {"t": "s"},
            },
            "level 's': no basis given for element Li",
        ),
        ({"pose_screening": {}}, "pose_screening"),
    ],
)
def test_bad_input(tmp_path, over, message):
    with pytest.raises(InputError) as info:
        build_plan(base(tmp_path, **over))
    assert message in str(info.value)


def test_bad_sheet_rows(tmp_path):
    sheet = tmp_path / "other.tsv"
    sheet.write_text("name\tsmiles\tcharge\tdescription\nwater\tO\t0\tw\nwater\tO\t0\tagain\n")
    with pytest.raises(InputError, match="ligand 'water' is defined twice"):
        build_plan(base(tmp_path, ligand_sheet=str(sheet)))
    sheet.write_text("name\tsmiles\tcharge\nwater\tO\t0\n")
    with pytest.raises(InputError, match=r"missing column\(s\) \['description'\]"):
        build_plan(base(tmp_path, ligand_sheet=str(sheet)))
    sheet.write_text("name\tsmiles\tcharge\tdescription\nwa ter\tO\t0\tw\n")
    with pytest.raises(InputError, match="'wa ter' is not a safe file name"):
        build_plan(base(tmp_path, ligand_sheet=str(sheet)))


def test_load_plan_from_yaml(tmp_path):
    cfg = base(tmp_path)
    path = tmp_path / "my.yaml"
    path.write_text(yaml.safe_dump(cfg))
    assert load_plan(path).species() == ["Li_ion", "water", "Li_w"]


def test_chain_length_series(tmp_path):
    cfg = base(
        tmp_path,
        oligomers={"EG": {"repeat_unit": "OCC", "head_cap": "C", "tail_cap": "OC", "n": [1]}},
        series=[{"name": "Li_EG", "oligomer": "EG", "n": [1, 3]}],
    )
    plan = build_plan(cfg)
    assert plan.series["Li_EG"] == [(1, "Li_EG_n1"), (3, "Li_EG_n3")]
    assert plan.clusters["Li_EG_n3"].ligands == ("EG3",)
    assert plan.ligands["EG3"].smiles == "COCCOCCOCCOC"  # n beyond oligomers.EG.n is generated too
    assert "Li_EG_n1" in plan.species() and "EG3" in plan.species()
    bad = base(tmp_path, series=[{"name": "s", "oligomer": "nope", "n": [1]}])
    with pytest.raises(InputError, match="series 's' names unknown oligomer 'nope'"):
        build_plan(bad)


def test_series_plot(tmp_path):
    from compchem.report.plots import plot_series

    rows = [{"cluster": f"s_n{n}", "E_bind_eV": 2.0 + 0.1 * n, "coordination_number": n} for n in (1, 2)]
    plot_series(rows, "s", [(1, "s_n1"), (2, "s_n2")], tmp_path / "s.png")
    assert (tmp_path / "s.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_zn_model_needs_a_basis_with_zn(root, tmp_path):
    sheet = str(root / "structures" / "ligands.tsv")
    cfg = {
        "ligand_sheet": sheet,
        "clusters": [{"name": "Li_ZnIm", "ligands": ["Zn_imidazolate"]}],
        "levels": {"p": {"basis": "6-311+G(d,p)"}},
        "run_levels": ["p"],
    }
    with pytest.raises(
        InputError, match="basis '6-311\\+G\\(d,p\\)' of level 'p' has no functions for element Zn"
    ):
        build_plan(cfg)
    cfg["levels"]["p"]["basis"] = {"default": "6-311+G(d,p)", "Zn": "def2-TZVP"}
    assert build_plan(cfg).charge_multiplicity("Li_ZnIm") == (2, 1)


def test_cli_estimate_counts_dft_poses(root, capsys):
    from compchem import estimate
    from compchem.cli import main

    config = str(root / "workflow" / "config" / "config.yaml")

    def table(*steps):
        assert main(["--config", config, "estimate", *steps]) == 0
        out = capsys.readouterr().out
        return out, {
            line.split()[0]: line.split()
            for line in out.splitlines()[2:]
            if line.startswith("  ") and "total" not in line
        }

    out, rows = table("--steps", "10", "--preopt-steps", "0")
    # species, atoms, nbasis, mem_MB, s/step, poses, opt_h
    assert rows["Li_PDOL"][1:3] == ["21", "270"] and rows["Li_PDOL"][5] == "3"
    assert rows["Li_PDOL2"][5] == "1" and rows["PDOL1"][5] == "1"
    # three poses cost three optimizations; the paper level's steps run on grid 2 (opt_grid_level),
    # and each optimization ends with one SCF on grid 3
    per_step = float(rows["Li_PDOL"][4])
    final_scf = estimate.SCF_SHARE * per_step / estimate.GRID_FACTOR[2]
    assert float(rows["Li_PDOL"][6]) == pytest.approx(3 * (10 * per_step + final_scf) / 3600, abs=0.01)
    # the paper level is staged: its def2-SVP pre-optimization steps add their (cheaper) cost
    out, staged = table("--steps", "10", "--preopt-steps", "10")
    assert "+ 10 at 'paper_preopt'" in out
    extra = float(staged["Li_PDOL"][6]) - float(rows["Li_PDOL"][6])
    assert 0 < extra < float(rows["Li_PDOL"][6])


def test_estimate_prices_pose_screening(root, tmp_path, capsys):
    """With pose_screening, a cluster's k poses cost k optimizations at the screening level and one
    at the level, the stage they share counted once."""
    from compchem import estimate
    from compchem.cli import main
    from compchem.config import load_plan
    from compchem.models import LevelOfTheory

    config = str(root / "workflow" / "config" / "config.yaml")
    overlay = tmp_path / "screen.yaml"
    overlay.write_text("pose_screening: preopt_level\n")
    args = ["estimate", "--steps", "10", "--preopt-steps", "30"]
    assert main(["--config", config, "--overlay", str(overlay), *args]) == 0
    out = capsys.readouterr().out
    row = next(line.split() for line in out.splitlines() if line.startswith("  Li_PDOL "))
    assert row[5] == "3>1" and "k ranked at 'paper_preopt'" in out
    plan = load_plan(config, [root])
    paper, svp, symbols = plan.levels["paper"], plan.levels["paper_preopt"], plan.symbols("Li_PDOL")
    full = estimate.optimization_seconds(symbols, paper, 2, 10, 30)  # both stages, one pose
    cheap = estimate.optimization_seconds(symbols, svp, 2, 30, 0)  # the first stage alone
    assert float(row[6]) == pytest.approx((full + 2 * cheap) / 3600, abs=0.01)
    # a composite ranked at another composite on the same geometry: each pose's minimization at A
    # once, its cheap single point, and one expensive single point
    sp, defined = {"basis": "sto-3g", "geometry_level": "a"}, {"a": {"basis": "def2-svp"}}
    b = LevelOfTheory.from_dict("b", sp | {"basis": "def2-svp"}, defined)
    s = LevelOfTheory.from_dict("s", sp, defined)
    geometry = estimate.optimization_seconds(symbols, b.geometry, 2, 10, 0)
    each_b, each_s = (estimate.optimization_seconds(symbols, lvl, 2, 10, 0) - geometry for lvl in (b, s))
    assert estimate.screened_seconds(symbols, b, s, 3, 2, 10, 0) == pytest.approx(
        3 * (geometry + each_s) + each_b
    )


def test_estimate_of_a_coarse_optimization_grid():
    """opt_grid_level: the steps cost what they cost on that grid (GRID_FACTOR, measured), plus one SCF
    on the level's own grid."""
    from compchem import estimate
    from compchem.models import LevelOfTheory

    full = LevelOfTheory.from_dict("f", {"grid_level": 3})
    coarse = LevelOfTheory.from_dict("c", {"grid_level": 3, "opt_grid_level": 2})
    symbols = ["Li", "O", "H", "H"]
    per_grad = estimate.seconds_per_gradient(estimate.n_basis_functions(symbols, full), full, 2)
    t_full = estimate.optimization_seconds(symbols, full, 2, 10, 0)
    t_coarse = estimate.optimization_seconds(symbols, coarse, 2, 10, 0)
    assert t_full == pytest.approx(10 * per_grad)
    assert t_coarse == pytest.approx((10 * estimate.GRID_FACTOR[2] + estimate.SCF_SHARE) * per_grad)
    assert t_coarse < t_full


def test_cli_overlay_merges_like_a_second_configfile(root):
    """`compchem --config config.yaml --overlay thermo_svp.yaml`: the overlay's thermo and level are added,
    everything else comes from the base config."""
    import argparse

    from compchem.cli import _plan

    config = root / "workflow" / "config"
    plan = _plan(
        argparse.Namespace(config=str(config / "config.yaml"), overlay=[str(config / "thermo_svp.yaml")])
    )
    assert plan.thermo_dirname == "thermo_freq_svp" and plan.levels["freq_svp"].basis == "def2-SVP"
    assert plan.config["thermo"]["counterpoise"] and len(plan.clusters) == 4 and plan.run_levels == ["paper"]
    assert plan.levels["paper"].preopt.name == "paper_preopt"  # the base's levels are kept


def test_cli_progress_bar_passes_steps_without_a_gradient(capsys):
    """The progress bar reads energy and gradient from each step's log line; a step replayed from a
    checkpoint or rejected uphill carries no gradient and is passed through instead (it raised
    IndexError inside the optimization before)."""
    import logging

    from compchem.cli import _ProgressBar

    bar = _ProgressBar(target_gmax=4.5e-4)

    def emit(msg):
        bar.emit(logging.LogRecord("compchem.backends.pyscf_backend", logging.INFO, "", 0, msg, (), None))

    emit("Li: opt step 3 taken from the checkpoint (E=-233.6521925000 Ha), not recomputed")
    emit("Li: opt step 4  E=-233.6 Ha  dE=+2.00e-04 Ha  uphill: checkpoint keeps the previous geometry")
    emit(
        "Li: opt step 5  E=-233.65 Ha  dE=-1.0e-05 Ha  grad rms=1.00e-03 max=4.50e-03 Ha/bohr  "
        "7 SCF cycles  9.9 s"
    )
    err = capsys.readouterr().err
    assert "taken from the checkpoint" in err and "uphill" in err
    assert "step   5 [" in err and "grad max=4.5e-03" in err
