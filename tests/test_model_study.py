"""The linker-model x PDOL-model study (config ``model_study``, issue 18): its expansion into clusters
and exchanges, the refusal of bad models before any job, the row arithmetic and ordering flags, and
one real Snakemake run at a tiny level that writes the table and the figure."""

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from compchem.analysis.model_study import (
    MODEL_STUDY_COLUMNS,
    model_study_csv,
    model_study_markdown,
    model_study_rows,
)
from compchem.config import build_plan, load_config_file
from compchem.errors import InputError

ROOT = Path(__file__).resolve().parents[1]


def base(tmp_path, **over):
    sheet = tmp_path / "ligands.tsv"
    sheet.write_text(
        "name\tsmiles\tcharge\tdescription\nwater\tO\t0\tw\nammonia\tN\t0\ta\n"
        "Zn_Im2_NH3\tN->[Zn](<-N)(n1ccnc1)n1ccnc1\t0\tdangling linker\n"
    )
    cfg = {
        "ligand_sheet": str(sheet),
        "oligomers": {"PDOL": {"repeat_unit": "COCCO", "head_cap": "CO", "tail_cap": "C", "n": [1]}},
        "clusters": [{"name": "Li_w", "ligands": ["water"]}],
        "levels": {"t": {"basis": "sto-3g"}},
        "run_levels": ["t"],
        "model_study": {"linkers": ["water", "ammonia"], "pdol": ["PDOL1"], "dft_poses": 1},
    }
    cfg.update(over)
    return cfg


def test_plan_expansion_names_ligands_and_exchanges(tmp_path):
    plan = build_plan(base(tmp_path))
    # Li_w (the config's Li+-water) is reused; the other clusters are generated, each once
    assert list(plan.clusters) == [
        "Li_w",
        "Li_PDOL1x1",
        "Li_PDOL1x2",
        "Li_PDOL1_waterx2",
        "Li_ammonia",
        "Li_PDOL1_ammoniax2",
    ]
    assert plan.clusters["Li_PDOL1_ammoniax2"].ligands == ("PDOL1", "ammonia", "ammonia")
    assert plan.clusters["Li_PDOL1x2"].ligands == ("PDOL1", "PDOL1")
    assert plan.clusters["Li_PDOL1x2"].dft_poses == 1 and plan.clusters["Li_PDOL1x1"].dft_poses is None
    assert plan.clusters["Li_PDOL1x1"].charge == 1
    ex = plan.exchanges["PDOL1x2_to_PDOL1_waterx2"]
    assert ex.reactants == ("Li_PDOL1x2", "water", "water") and ex.products == ("Li_PDOL1_waterx2", "PDOL1")
    combos = plan.model_study.params()
    assert [(c["linker"], c["pdol"]) for c in combos] == [("water", "PDOL1"), ("ammonia", "PDOL1")]
    assert combos[0] == {
        "linker": "water",
        "pdol": "PDOL1",
        "li_linker": "Li_w",
        "li_pdol": "Li_PDOL1x1",
        "li_pdol2": "Li_PDOL1x2",
        "li_pdol_linker2": "Li_PDOL1_waterx2",
        "exchange": "PDOL1x2_to_PDOL1_waterx2",
    }
    assert plan.species() == ["Li_ion", "water", "PDOL1", "ammonia", *plan.clusters]


def test_a_config_without_the_key_is_unchanged(tmp_path, root):
    cfg = base(tmp_path)
    del cfg["model_study"]
    plan = build_plan(cfg)
    assert list(plan.clusters) == ["Li_w"] and plan.exchanges == {} and plan.model_study is None
    default = build_plan(load_config_file(root / "workflow/config/config.yaml"), [root])
    assert default.model_study is None and list(default.exchanges) == ["PDOL2_to_PDOL_Im2"]


def test_the_study_config_plans_every_combination(root):
    study = load_config_file(root / "workflow/config/model_study.yaml")
    cfg = load_config_file(root / "workflow/config/config.yaml")
    cfg.update({k: v for k, v in study.items() if k not in ("oligomers", "levels")})
    cfg["oligomers"]["PDOL"]["n"] = study["oligomers"]["PDOL"]["n"]
    cfg["levels"].update(study["levels"])
    plan = build_plan(cfg, [root])
    assert len(plan.model_study.combinations) == 7 * 2
    assert "Li_PDOL2_Zn_bIm2_NH3x2" in plan.clusters and plan.clusters["Li_Zn_imidazolate"].charge == 2


@pytest.mark.parametrize(
    ("study", "message"),
    [
        (
            {"linkers": ["pyridine"], "pdol": ["PDOL1"]},
            r"model_study.linkers names unknown ligand\(s\) \['pyridine'\]",
        ),
        (
            {"linkers": ["water"], "pdol": ["PDOL3"]},
            r"model_study.pdol names unknown ligand\(s\) \['PDOL3'\]",
        ),
        ({"linkers": ["water"], "pdol": ["PDOL1"], "dft_poses": 9}, "dft_poses = 9"),
        ({"linkers": ["water"], "pdol": []}, "non-empty|too short"),
    ],
)
def test_bad_models_are_refused(tmp_path, study, message):
    with pytest.raises(InputError, match=message):
        build_plan(base(tmp_path, model_study=study))


def test_a_generated_name_clashing_with_another_cluster_is_refused(tmp_path):
    clusters = [{"name": "Li_PDOL1x2", "ligands": ["water", "water"]}]
    with pytest.raises(InputError, match="cluster name 'Li_PDOL1x2' is already used"):
        build_plan(base(tmp_path, clusters=clusters))


def test_a_cluster_name_built_by_another_config_is_refused(tmp_path):
    """results/structures/ is shared by every config: the default config's Li_PDOL2 (Li+ with two
    PDOL1) must not be rebuilt as another config's Li+ with one PDOL2 chain."""
    results = tmp_path / "results"
    (results / "structures").mkdir(parents=True)
    other = {"kind": "cluster", "charge": 1, "ligands": [{"name": "PDOL1"}, {"name": "PDOL1"}]}
    build = results / "structures/Li_PDOL1_waterx2.build.json"
    build.write_text(json.dumps({"definition": other}))
    with pytest.raises(InputError, match="Li_PDOL1_waterx2.*built for PDOL1 \\+ PDOL1"):
        build_plan(base(tmp_path, results_dir=str(results)))
    assert json.loads(build.read_text()) == {"definition": other}
    # the same ligands (in another order) are the same cluster: an ordinary rebuild
    same = {**other, "ligands": [{"name": "water"}, {"name": "PDOL1"}, {"name": "water"}]}
    build.write_text(json.dumps({"definition": same}))
    assert "Li_PDOL1_waterx2" in build_plan(base(tmp_path, results_dir=str(results))).clusters


def test_a_zn_model_at_a_basis_without_zn_is_refused_before_any_job(tmp_path):
    # PySCF's 6-311+G(d,p) has no Zn; the generated clusters go through the run level's basis check
    study = {"linkers": ["Zn_Im2_NH3"], "pdol": ["PDOL1"]}
    levels = {"t": {"basis": "6-311+G(d,p)"}}
    with pytest.raises(InputError, match="Zn"):
        build_plan(base(tmp_path, model_study=study, levels=levels))
    levels = {"t": {"basis": {"default": "6-311+G(d,p)", "Zn": "def2-TZVP"}}}
    assert "Li_PDOL1_Zn_Im2_NH3x2" in build_plan(base(tmp_path, model_study=study, levels=levels)).clusters


COMBO = {
    "linker": "Im",
    "pdol": "PDOL1",
    "li_linker": "Li_Im",
    "li_pdol": "Li_PDOL",
    "li_pdol2": "Li_PDOL2",
    "li_pdol_linker2": "Li_PDOL_Im2",
    "exchange": "ex",
}


def table(e_bind, d_e, d_g=None, d_g_solv=None):
    rows = [
        {"cluster": name, "level": "paper", "charge": 1, "E_bind_eV": value}
        for name, value in zip(["Li_Im", "Li_PDOL", "Li_PDOL2", "Li_PDOL_Im2"], e_bind, strict=True)
    ]
    exchanges = [
        {
            "reaction": "ex",
            "dE_exchange_eV": d_e,
            "dG_exchange_eV": d_g,
            "dE_exchange_solv_eV": None,
            "dG_exchange_solv_eV": d_g_solv,
        }
    ]
    return {"level": "paper", "rows": rows, "exchanges": exchanges}


def test_rows_and_ordering_flags(tmp_path):
    # the paper's values: both orderings hold, the exchange is uphill by 4.32 - 4.02 eV
    (row,) = model_study_rows(table([2.28, 2.60, 4.32, 4.02], 0.30, 0.25), [COMBO])
    assert row["E_bind_Li_linker_eV"] == 2.28 and row["E_bind_Li_pdol_linker2_eV"] == 4.02
    assert (
        row["dE_exchange_eV"] == 0.30 and row["dG_exchange_eV"] == 0.25 and row["dE_exchange_solv_eV"] is None
    )
    assert row["linker_below_pdol"] is True and row["pdol_linker2_below_pdol2"] is True
    assert row["cluster_Li_pdol2"] == "Li_PDOL2" and row["exchange"] == "ex" and row["Li_linker_charge"] == 1
    # a linker binding more strongly, and a downhill exchange: neither ordering holds
    (row,) = model_study_rows(table([2.90, 2.60, 4.32, 4.50], -0.18), [COMBO])
    assert row["linker_below_pdol"] is False and row["pdol_linker2_below_pdol2"] is False
    assert row["dE_exchange_eV"] < 0
    text = model_study_csv([row])
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert list(parsed[0]) == MODEL_STUDY_COLUMNS and parsed[0]["dG_exchange_eV"] == ""
    md = model_study_markdown([row], "paper", "B3LYP/6-311+G(d,p)")
    assert "linker < PDOL" in md and "holds for 0 of 1" in md and "| Im | PDOL1 |" in md
    assert row["pdol_linker2_below_pdol2_dG_solv"] is None and "(dG_exchange_solv > 0) for" not in md
    # downhill in the gas phase, uphill as a free energy in the solvent (the default run's imidazole
    # exchange: -0.756 eV and +0.062 eV, results/paper/exchange_energies.csv)
    (row,) = model_study_rows(table([2.30, 3.21, 4.56, 5.31], -0.756, -0.249, 0.062), [COMBO])
    assert row["pdol_linker2_below_pdol2"] is False and row["pdol_linker2_below_pdol2_dG_solv"] is True
    md = model_study_markdown([row], "paper", "B3LYP/6-311+G(d,p)")
    assert (
        "PDOL-2L < 2PDOL for 0 of 1; as a free energy in the solvent (dG_exchange_solv > 0) for 1 of 1" in md
    )


def test_a_cluster_missing_from_the_table_is_named():
    broken = table([2.28, 2.60, 4.32, 4.02], 0.30)
    broken["rows"] = broken["rows"][:3]
    with pytest.raises(InputError, match="Li_PDOL_Im2"):
        model_study_rows(broken, [COMBO])


def test_a_partial_table_leaves_unfinished_cells_empty():
    """``compchem model-study`` on a study still running: what is missing is None, an ordering with a
    side missing is None, and the Markdown says which combinations are incomplete."""
    running = table([2.28, 2.60, 4.32, 4.02], 0.30)
    running["rows"] = running["rows"][:2]
    running["exchanges"] = []
    (row,) = model_study_rows(running, [COMBO], partial=True)
    assert row["E_bind_Li_linker_eV"] == 2.28 and row["E_bind_Li_pdol2_eV"] is None
    assert row["linker_below_pdol"] is True and row["pdol_linker2_below_pdol2"] is None
    assert row["dE_exchange_eV"] is None
    md = model_study_markdown([row], "paper", "B3LYP/6-311+G(d,p)")
    assert "holds for 1 of 1" in md and "PDOL-2L < 2PDOL for 0 of 0" in md
    assert "Not complete yet" in md and "Im x PDOL1" in md


@pytest.mark.workflow
def test_snakemake_run_writes_the_study(tmp_path, data_dir):
    """Water as the stand-in linker and ammonia as the stand-in PDOL at B3LYP/STO-3G."""
    cfg = yaml.safe_load((data_dir / "tiny.yaml").read_text())
    # one pose per cluster, Q-Chem's convergence rule with a loose energy change: Li+(P)(L)2 of three
    # floppy ligands otherwise takes most of the run
    tiny = {**cfg["levels"]["tiny"], "opt_convergence_rule": "qchem", "opt_convergence_energy_hartree": 1e-5}
    cfg.update(
        clusters=[],
        model_study={"linkers": ["water"], "pdol": ["ammonia"]},
        build={**cfg["build"], "n_poses": 1},
        levels={"tiny": tiny},
    )
    (tmp_path / "study.yaml").write_text(yaml.safe_dump(cfg))
    shutil.copy(data_dir / "ligands_empty.tsv", tmp_path / "ligands_empty.tsv")
    command = [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile")]
    targets = ["model_study.csv", "model_study.md", "plots/model_study.png"]
    proc = subprocess.run(
        # the study's files only (rule `all` adds the pictures of every cluster)
        [*command, *(f"results/tiny/{f}" for f in targets), "--cores", "2", "--configfile", "study.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    level = tmp_path / "results/tiny"
    binding = {
        r["cluster"]: r for r in csv.DictReader(io.StringIO((level / "binding_energies.csv").read_text()))
    }
    exchange = next(csv.DictReader(io.StringIO((level / "exchange_energies.csv").read_text())))
    (row,) = csv.DictReader(io.StringIO((level / "model_study.csv").read_text()))
    assert (row["linker"], row["pdol"]) == ("water", "ammonia")
    assert row["E_bind_Li_linker_eV"] == binding["Li_water"]["E_bind_eV"]
    assert row["E_bind_Li_pdol2_eV"] == binding["Li_ammoniax2"]["E_bind_eV"]
    assert row["E_bind_Li_pdol_linker2_eV"] == binding["Li_ammonia_waterx2"]["E_bind_eV"]
    assert exchange["reaction"] == "ammoniax2_to_ammonia_waterx2"
    assert row["dE_exchange_eV"] == exchange["dE_exchange_eV"]
    # the exchange energy is the difference of the two binding energies (up to their rounding)
    d_e = float(binding["Li_ammoniax2"]["E_bind_eV"]) - float(binding["Li_ammonia_waterx2"]["E_bind_eV"])
    assert float(row["dE_exchange_eV"]) == pytest.approx(d_e, abs=2e-4)
    assert row["pdol_linker2_below_pdol2"] == str(d_e > 0)
    assert "linker < PDOL" in (level / "model_study.md").read_text()
    assert (level / "plots/model_study.png").stat().st_size > 1000
    # the partial table of the CLI from the same records, one cluster's record taken away
    partial = tmp_path / "partial/records"
    shutil.copytree(level / "records", partial)
    for path in partial.glob("Li_ammonia_waterx2*.json"):
        path.unlink()
    proc = subprocess.run(
        [sys.executable, "-m", "compchem.cli", "--config", "study.yaml", "model-study", str(partial)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (part,) = csv.DictReader(io.StringIO((tmp_path / "partial/model_study_partial.csv").read_text()))
    assert part["E_bind_Li_linker_eV"] == row["E_bind_Li_linker_eV"]
    assert part["E_bind_Li_pdol_linker2_eV"] == "" and part["dE_exchange_eV"] == ""
    assert part["linker_below_pdol"] == row["linker_below_pdol"] and part["pdol_linker2_below_pdol2"] == ""
    assert "Not complete yet" in proc.stdout
    assert (tmp_path / "partial/plots/model_study_partial.png").stat().st_size > 1000
