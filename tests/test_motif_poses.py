"""Motif poses: a cluster with ``motif_poses`` keeps, after the ``n_poses`` lowest distinct poses, the best
pose of every other coordination motif for DFT; ``model_study.pdol_motifs`` turns it on for the Li+-PDOL
clusters; the Markdown table gives E_bind per DFT coordination motif. GFN2-xTB only, no DFT."""

from __future__ import annotations

import dataclasses
import json

import pytest

from compchem.analysis.markdown import motif_lines
from compchem.build.cluster import LigandInput
from compchem.build.pose_summary import search_summary
from compchem.build.poses import (
    deduplicate,
    generate_candidates,
    preoptimize_candidates,
    search_poses,
    select_for_preoptimization,
)
from compchem.config import build_plan
from compchem.errors import InputError
from compchem.jobs import pose_count
from compchem.jobs.build import build_cache_key, build_structure, build_structure_job

PDOL1 = LigandInput("PDOL1", "COCOCCOC", 0)  # three ether O (atoms 2, 4, 7): seven possible motifs


@pytest.fixture(scope="module")
def pdol_stages():
    """One small seeded Li+-PDOL1 search, stage by stage (as ``search_poses`` runs them): about 3 s."""
    generated = generate_candidates("Li", 1, [PDOL1], seed=11, n_conformers=6, n_random=2, label="Li_PDOL1")
    chosen = select_for_preoptimization(generated, 8, 0.25)
    preoptimize_candidates(chosen, threads=1)
    distinct = deduplicate(chosen, 0.25)
    return generated, chosen, distinct


def _summary(stages, k, **kw):
    generated, chosen, distinct = stages
    return search_summary(
        "Li_PDOL1",
        generated,
        chosen,
        distinct,
        multiplicity=1,
        settings={"k": k},
        k=k,
        generation_wall_s=0.0,
        **kw,
    )


@pytest.mark.parametrize("k", [1, 2, 3])
def test_motif_poses_append_the_best_pose_of_every_other_motif(pdol_stages, k):
    distinct = pdol_stages[2]
    off = _summary(pdol_stages, k)
    on = _summary(pdol_stages, k, motif_poses=True)
    # off: the k lowest distinct poses, as before the option existed
    assert [c["index"] for c in off["candidates"]] == [c.index for c in distinct[:k]]
    assert [c["rank"] for c in off["candidates"]] == list(range(min(k, len(distinct))))
    # on: the same first k (every key, coordinates included), the rest of the summary unchanged
    n = len(off["candidates"])
    assert on["candidates"][:n] == off["candidates"]
    assert {key: v for key, v in on.items() if key != "candidates"} == {
        key: v for key, v in off.items() if key != "candidates"
    }
    by_index = {c.index: c for c in distinct}
    first = {by_index[c["index"]].motif_class for c in off["candidates"]}
    extra = [by_index[c["index"]] for c in on["candidates"][n:]]
    assert [c["rank"] for c in on["candidates"]] == list(range(len(on["candidates"])))
    # each extra pose: a motif not among the first n, one pose per motif, its best, lowest first
    assert all(c.motif_class not in first for c in extra)
    assert len({c.motif_class for c in extra}) == len(extra)
    best = {m["best_index"] for m in on["motifs"]}
    assert all(c.index in best for c in extra)
    energies = [c["preopt_energy_hartree"] for c in on["candidates"][n:]]
    assert energies == sorted(energies)
    # every motif of the search has a pose
    classes = {by_index[c["index"]].motif_class for c in on["candidates"]}
    assert classes == {c.motif_class for c in distinct}
    assert len(on["candidates"]) == n + len(on["motifs"]) - len(first)


def test_pdol1_search_has_several_motifs_to_add(pdol_stages):
    on = _summary(pdol_stages, 3, motif_poses=True)
    assert len(on["motifs"]) >= 3 and len(on["candidates"]) > 3
    assert {c["coordination_number"] for c in on["candidates"][3:]} <= {1, 2, 3}


def _timeless(candidates):
    """Candidates as JSON without their wall times (NaN energies compare equal as text)."""
    return json.dumps([{k: v for k, v in c.items() if k != "preopt_wall_s"} for c in candidates])


def _sheet_config(tmp_path, clusters, **over):
    sheet = tmp_path / "ligands.tsv"
    sheet.write_text("name\tsmiles\tcharge\tdescription\nwater\tO\t0\tw\nDME\tCOCCOC\t0\tdimethoxyethane\n")
    cfg = {
        "ligand_sheet": str(sheet),
        "oligomers": {"PDOL": {"repeat_unit": "COCCO", "head_cap": "CO", "tail_cap": "C", "n": [1]}},
        "clusters": clusters,
        "levels": {"t": {"basis": "sto-3g"}},
        "run_levels": ["t"],
        "build": {"n_conformers": 3, "n_candidates": 4, "n_poses": 1, "seed": 3},
    }
    cfg.update(over)
    return cfg


def test_cluster_option_reaches_the_build_only_where_on(tmp_path):
    plain = build_plan(_sheet_config(tmp_path, [{"name": "Li_DME", "ligands": ["DME"]}]))
    clusters = [
        {"name": "Li_DME", "ligands": ["DME"], "motif_poses": True},
        {"name": "Li_w", "ligands": ["water"]},
    ]
    plan = build_plan(_sheet_config(tmp_path, clusters))
    assert plan.clusters["Li_DME"].motif_poses and not plan.clusters["Li_w"].motif_poses
    assert (
        "motif_poses" not in plan.build and "motif_poses" not in plain.species_definition("Li_DME")["build"]
    )
    on = plan.species_definition("Li_DME")
    assert on["build"] == {**plan.build, "motif_poses": True}
    # without the option a definition, and so its build hash, is what it was
    assert plan.species_definition("Li_w")["build"] is plan.build
    assert build_cache_key(on) != build_cache_key(plain.species_definition("Li_DME"))
    assert json.dumps(plain.species_definition("Li_DME")) == json.dumps(
        {**on, "build": {k: v for k, v in on["build"].items() if k != "motif_poses"}}
    )
    # dft_poses: every kept pose by default (at most the n_candidates relaxed), n_poses without it
    assert plan.dft_poses("Li_DME") == 4 and plan.dft_poses("Li_w") == 1 and plain.dft_poses("Li_DME") == 1


def test_dft_poses_above_n_poses_only_with_motif_poses(tmp_path):
    ok = [{"name": "Li_DME", "ligands": ["DME"], "motif_poses": True, "dft_poses": 3}]
    assert build_plan(_sheet_config(tmp_path, ok)).dft_poses("Li_DME") == 3
    with pytest.raises(InputError, match="dft_poses = 3 but the pose search keeps only build.n_poses = 1"):
        build_plan(_sheet_config(tmp_path, [{"name": "Li_DME", "ligands": ["DME"], "dft_poses": 3}]))
    too_many = [{"name": "Li_DME", "ligands": ["DME"], "motif_poses": True, "dft_poses": 5}]
    with pytest.raises(InputError, match=r"dft_poses = 5 but the pose search \(motif_poses\) keeps at most"):
        build_plan(_sheet_config(tmp_path, too_many))
    with pytest.raises(InputError, match="motif_poses"):
        build_plan(_sheet_config(tmp_path, [{"name": "Li_DME", "ligands": ["DME"], "motif_poses": "yes"}]))


def test_build_of_li_dme_with_and_without_motif_poses(tmp_path):
    """Li+-DME (bidentate best, monodentate above it) built by the build job's code at n_poses = 1."""
    clusters = [{"name": "Li_DME", "ligands": ["DME"], "motif_poses": True}]
    plan = build_plan(_sheet_config(tmp_path, clusters))
    on_def = plan.species_definition("Li_DME")
    off_def = {**on_def, "build": plan.build}
    off, on = build_structure(off_def), build_structure(on_def)
    assert len(off["candidates"]) == 1 and "motif_poses" not in off["pose_search"]["settings"]
    assert on["pose_search"]["settings"]["motif_poses"] is True
    assert (
        _timeless(on["candidates"][:1]) == _timeless(off["candidates"])
        and on["coordinates_angstrom"] == off["coordinates_angstrom"]
    )
    assert [c["motif"] for c in off["candidates"]] == [[[0, 2], [0, 5]]]  # both O of DME
    assert [c["coordination_number"] for c in on["candidates"]] == [2, 1]
    assert {m["best_index"] for m in on["pose_search"]["motifs"]} == {c["index"] for c in on["candidates"]}
    # DFT gets every kept pose (dft_poses defaults to more than are kept; the build caps it, as when a
    # search finds fewer distinct poses than asked for)
    build_path = tmp_path / "Li_DME.build.json"
    build_structure_job(on_def, str(tmp_path / "Li_DME.xyz"), str(build_path))
    assert plan.dft_poses("Li_DME") == 4 and pose_count(str(build_path), plan.dft_poses("Li_DME")) == 2


def test_search_settings_record_the_option_only_when_on():
    dme = LigandInput("DME", "COCCOC", 0)
    kw = {"seed": 3, "n_conformers": 2, "n_random": 1, "n_preopt": 3, "k": 1, "label": "Li_DME"}
    off = search_poses("Li", 1, [dme], **kw)
    on = search_poses("Li", 1, [dme], motif_poses=True, **kw)
    assert on["settings"] == {**off["settings"], "motif_poses": True}
    assert list(off["settings"])[-1] == "contact_cutoff_angstrom"
    assert _timeless(on["candidates"][:1]) == _timeless(off["candidates"])


def _study_config(tmp_path, **study):
    sheet = tmp_path / "ligands.tsv"
    sheet.write_text("name\tsmiles\tcharge\tdescription\nwater\tO\t0\tw\nammonia\tN\t0\ta\n")
    return {
        "ligand_sheet": str(sheet),
        "oligomers": {"PDOL": {"repeat_unit": "COCCO", "head_cap": "CO", "tail_cap": "C", "n": [1, 2]}},
        "clusters": [{"name": "Li_w", "ligands": ["water"]}],
        "levels": {"t": {"basis": "sto-3g"}},
        "run_levels": ["t"],
        "model_study": {"linkers": ["water", "ammonia"], "pdol": ["PDOL1", "PDOL2"], **study},
    }


def test_pdol_motifs_sets_motif_poses_on_the_li_pdol_clusters_only(tmp_path):
    plan = build_plan(_study_config(tmp_path, pdol_motifs=True, dft_poses=1))
    on = {name for name, c in plan.clusters.items() if c.motif_poses}
    assert on == {"Li_PDOL1x1", "Li_PDOL2x1"}
    assert plan.species_definition("Li_PDOL1x1")["build"]["motif_poses"] is True
    assert "motif_poses" not in plan.species_definition("Li_PDOL1x2")["build"]
    assert plan.dft_poses("Li_PDOL1x1") == plan.build["n_candidates"] and plan.dft_poses("Li_PDOL1x2") == 1
    for cfg in (
        _study_config(tmp_path, dft_poses=1),
        _study_config(tmp_path, pdol_motifs=False, dft_poses=1),
    ):
        plain = build_plan(cfg)
        # the option is all that differs
        assert plain.clusters == {
            n: dataclasses.replace(c, motif_poses=False) for n, c in plan.clusters.items()
        }
        assert all("motif_poses" not in plain.species_definition(n)["build"] for n in plain.clusters)
    # a Li+-PDOL cluster of `clusters` reused by the study gets the option too
    cfg = _study_config(tmp_path, pdol_motifs=True)
    cfg["clusters"].append({"name": "Li_PDOL", "ligands": ["PDOL1"], "paper_value_ev": 2.6})
    reused = build_plan(cfg)
    assert reused.clusters["Li_PDOL"].motif_poses and "Li_PDOL1x1" not in reused.clusters


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_a_bad_pdol_motifs_value_is_refused(tmp_path, value):
    with pytest.raises(InputError, match="pdol_motifs"):
        build_plan(_study_config(tmp_path, pdol_motifs=value))


# Li+-PDOL at the paper level (B3LYP/6-311+G(d,p)): the three DFT poses of results/paper/poses/Li_PDOL.json
# (relative energies and donors as recorded there) and E_bind_hartree of the Li_PDOL row of
# results/paper/binding_energies.json (3.208 eV, pose 1 selected).
LI_PDOL_E_BIND_HARTREE = 0.1178935130252512
LI_PDOL_POSES = {
    "cluster": "Li_PDOL",
    "ranked_at_level": "paper",
    "n_poses": 3,
    "selected_pose": 1,
    "poses": [
        {
            "pose": 0,
            "relative_energy_ev": 0.07772964594829672,
            "converged": True,
            "coordination_number": 3,
            "donor_contacts": ["PDOL1:O7", "PDOL1:O2", "PDOL1:O4"],
            "selected": False,
        },
        {
            "pose": 1,
            "relative_energy_ev": 0.0,
            "converged": True,
            "coordination_number": 3,
            "donor_contacts": ["PDOL1:O7", "PDOL1:O2", "PDOL1:O4"],
            "selected": True,
        },
        {
            "pose": 2,
            "relative_energy_ev": 0.3895396060530424,
            "converged": True,
            "coordination_number": 2,
            "donor_contacts": ["PDOL1:O2", "PDOL1:O7"],
            "selected": False,
        },
    ],
}


def test_markdown_section_e_bind_by_motif():
    rows = [
        {"cluster": "Li_Im", "E_bind_hartree": 0.0844826648216781},
        {"cluster": "Li_PDOL", "E_bind_hartree": LI_PDOL_E_BIND_HARTREE},
    ]
    one_motif = {
        **LI_PDOL_POSES,
        "cluster": "Li_Im",
        "poses": [
            {**LI_PDOL_POSES["poses"][0], "donor_contacts": ["imidazole:N3"], "relative_energy_ev": 0.0}
        ],
    }
    lines = motif_lines(rows, {"Li_PDOL": LI_PDOL_POSES, "Li_Im": one_motif})
    assert lines[1].startswith("E_bind by coordination motif")
    assert lines[3] == (
        "| cluster | pose | coordination_number | donor_atoms_after_DFT | relative_energy_eV | E_bind_eV "
        "| note |"
    )
    # E_bind(pose) = 3.208 eV (selected pose 1) minus the pose's energy above it; Li_Im has one motif
    assert lines[5:] == [
        "| Li_PDOL | 0 | 3 | PDOL1:O7; PDOL1:O2; PDOL1:O4 | 0.078 | 3.130 |  |",
        "| Li_PDOL | 1 | 3 | PDOL1:O7; PDOL1:O2; PDOL1:O4 | 0.000 | 3.208 | selected |",
        "| Li_PDOL | 2 | 2 | PDOL1:O2; PDOL1:O7 | 0.390 | 2.819 |  |",
    ]
    # one motif, or no pose summary: no section
    assert motif_lines(rows, {"Li_Im": one_motif}) == [] and motif_lines(rows, {}) == []


def test_markdown_section_names_a_screened_ranking():
    screened = {**LI_PDOL_POSES, "ranked_at_level": "paper_preopt", "level": "paper"}
    rows = [{"cluster": "Li_PDOL", "E_bind_hartree": LI_PDOL_E_BIND_HARTREE}]
    lines = motif_lines(rows, {"Li_PDOL": screened})
    assert "ranked at 'paper_preopt' (pose screening)" in lines[-1] and "mixed levels" in lines[-1]


def test_dft_poses_by_linker_sets_the_interphase_clusters_of_one_linker(tmp_path):
    plan = build_plan(_study_config(tmp_path, dft_poses=1, dft_poses_by_linker={"ammonia": 3}))
    # only Li+(P)(ammonia)2, for both PDOL models; Li+(P)2 and the other linker keep dft_poses
    assert plan.dft_poses("Li_PDOL1_ammoniax2") == 3 and plan.dft_poses("Li_PDOL2_ammoniax2") == 3
    assert plan.dft_poses("Li_PDOL1_waterx2") == 1 and plan.dft_poses("Li_PDOL1x2") == 1
    with pytest.raises(InputError, match=r"dft_poses_by_linker names \['DME'\], which are not among"):
        build_plan(_study_config(tmp_path, dft_poses_by_linker={"DME": 2}))
    with pytest.raises(InputError, match=r"dft_poses_by_linker.water = 4 but the pose search keeps only"):
        build_plan(_study_config(tmp_path, dft_poses_by_linker={"water": 4}))
