"""Bad input from a new user's trial: each case gives one clear message before any job starts.

The cases are the ones that gave a traceback or no message before (the list in the issue tracker); the
expected texts are the messages as the user sees them."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from compchem.config import build_plan, load_config_file
from compchem.errors import InputError, ParseError
from compchem.io.xyz import parse_xyz

BASE = "workflow/config/config.yaml"


def cli(root, *args):
    proc = subprocess.run(
        [sys.executable, "-m", "compchem.cli", *args], cwd=root, capture_output=True, text=True
    )
    return proc.returncode, proc.stdout, proc.stderr


def plan_with(root, overlay):
    from compchem.config import merge_configs

    return build_plan(merge_configs(load_config_file(root / BASE), overlay), [root])


def test_unknown_functional_is_refused(root):
    with pytest.raises(InputError, match="run level 'paper': PySCF does not know the functional 'b3lypxyz'"):
        plan_with(root, {"levels": {"paper": {"functional": "b3lypxyz"}}})


def test_unknown_functional_is_refused_by_the_dry_run(root, tmp_path):
    (tmp_path / "f.yaml").write_text(yaml.safe_dump({"levels": {"paper": {"functional": "b3lypxyz"}}}))
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--cores", "1", "--configfile", str(tmp_path / "f.yaml")],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0
    assert "PySCF does not know the functional 'b3lypxyz'" in proc.stdout + proc.stderr


def test_more_ligands_than_the_ion_holds_are_refused(root):
    overlay = {
        "ligands": [{"name": "aqua", "smiles": "O"}],
        "clusters": [{"name": "Li_w20", "ligands": ["aqua"] * 20}],
        "exchanges": [],
    }
    with pytest.raises(
        InputError, match="cluster 'Li_w20' puts 20 ligands on one Li ion, whose first shell holds at most 6"
    ):
        plan_with(root, overlay)


def test_a_species_far_beyond_one_machine_is_warned_about_with_its_estimate(root):
    overlay = {
        "oligomers": {"PDOL": {"repeat_unit": "COCCO", "head_cap": "CO", "tail_cap": "C", "n": [50]}},
        "clusters": [{"name": "Li_P50", "ligands": ["PDOL50"]}],
        "exchanges": [],
    }
    plan = plan_with(root, overlay)
    text = "\n".join(plan.warnings)
    assert "PDOL50 at level 'paper': 559 atoms" in text and "far beyond one machine" in text
    assert "Li_P50 at level 'paper': 560 atoms" in text
    # the default config has nothing of the kind
    assert plan_with(root, {}).warnings == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("- a\n- b\n", "must hold a mapping of config keys (e.g. `clusters:`), found a list"),
        ("clusters: [\n  - x\n", "is not valid YAML at line 2, column 3"),
        ("", "is empty (Snakemake refuses an empty config file too)"),
    ],
)
def test_validate_names_the_file_of_a_bad_config(root, tmp_path, content, message):
    path = tmp_path / "c.yaml"
    path.write_text(content)
    code, _, err = cli(root, "--config", str(path), "validate")
    assert code == 2 and f"compchem: error: config file {path} " in err
    assert message in err and "Traceback" not in err


def test_validate_with_a_missing_overlay_and_names_every_file(root, tmp_path):
    code, _, err = cli(root, "--overlay", str(tmp_path / "missing.yaml"), "validate")
    assert code == 2 and f"config file {tmp_path / 'missing.yaml'} does not exist" in err
    code, out, _ = cli(root, "--overlay", "workflow/config/screening.yaml", "validate")
    assert code == 0
    assert out.startswith(f"config {BASE} + workflow/config/screening.yaml is valid")


def test_optimize_with_a_missing_file_or_an_unknown_level(root, tmp_path):
    code, _, err = cli(root, "optimize", str(tmp_path / "nonexistent.xyz"), "--level", "demo")
    assert code == 2 and f"compchem: error: no XYZ file {tmp_path / 'nonexistent.xyz'}" in err
    xyz = tmp_path / "w.xyz"
    xyz.write_text("3\nwater\nO 0 0 0.12\nH 0 0.76 -0.48\nH 0 -0.76 -0.48\n")
    code, _, err = cli(root, "optimize", str(xyz), "--level", "nosuch")
    assert code == 2 and "compchem: error: --level: unknown level 'nosuch'; defined: [" in err


def test_an_xyz_count_that_disagrees_with_its_atoms_is_an_error(root, tmp_path):
    text = "1\nwater, count line wrong\nO 0 0 0.12\nH 0 0.76 -0.48\nH 0 -0.76 -0.48\n"
    with pytest.raises(ParseError, match="the XYZ count line says 1 atom"):
        parse_xyz(text, single=True)
    xyz = tmp_path / "w.xyz"
    xyz.write_text(text)
    code, _, err = cli(root, "optimize", str(xyz), "--level", "demo")
    assert code == 2 and "the XYZ count line says 1 atom(s) but 3 lines follow the comment line" in err


def test_chain_length_zero_says_what_is_wrong(root):
    overlay = {"oligomers": {"PDOL": {"repeat_unit": "COCCO", "n": [0]}}}
    with pytest.raises(InputError, match=r"oligomers/PDOL/n: 0 is less than the minimum of 1 \(at item 0\)"):
        plan_with(root, overlay)


def test_an_unknown_basis_name_is_named_with_the_closest_known_ones(root):
    with pytest.raises(InputError) as err:
        plan_with(root, {"levels": {"paper": {"basis": "6-311+G(q)"}}})
    assert (
        "run level 'paper': level 'paper': unknown basis name '6-311+G(q)'; closest names PySCF knows:"
        in str(err.value)
    )
    assert "'6-311+G(d)'" in str(err.value)
    # a known basis that lacks an element keeps the other message
    with pytest.raises(InputError, match="basis 'sto-3g' of level 'paper' has no functions for element"):
        plan_with(
            root,
            {
                "levels": {"paper": {"basis": "sto-3g"}},
                "ligands": [{"name": "xe2", "smiles": "[Xe]"}],
                "clusters": [{"name": "Li_Xe", "ligands": ["xe2"]}],
                "exchanges": [],
            },
        )
