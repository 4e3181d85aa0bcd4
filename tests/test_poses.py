"""Pose and conformer search (compchem.build.poses): real RDKit embeddings and real GFN2-xTB
relaxations of tiny Li⁺ clusters (a few seconds each with one OpenMP thread)."""

import copy
import logging

import numpy as np
import pytest

from compchem.build.cluster import (
    MIN_CONTACT_H_ANGSTROM,
    MIN_CONTACT_HEAVY_ANGSTROM,
    MIN_ION_NONDONOR_ANGSTROM,
    LigandInput,
)
from compchem.build.ligands import donor_atoms, mol_from_smiles
from compchem.build.pose_assembly import CROWDED_DRAW_FACTOR
from compchem.build.poses import (
    MIN_ION_DONOR_ANGSTROM,
    _automorphisms,
    clash_violations,
    deduplicate,
    generate_candidates,
    preoptimize_candidates,
    search_poses,
)
from compchem.chem import kabsch_rmsd, pair_distances
from compchem.errors import InputError, StructureError

DME = LigandInput("DME", "COCCOC", 0)
METHANOL = LigandInput("methanol", "CO", 0)
PDOL1 = LigandInput("PDOL1", "COCOCCOC", 0)
#: Relaxed structures: no two atoms closer than a real X–H bond allows, the ion no closer than
#: 1.6 Å to anything (GFN2-xTB Li–O is ~1.8 Å).
MIN_RELAXED_ANGSTROM = 0.85
MIN_RELAXED_ION_ANGSTROM = 1.6


@pytest.fixture(scope="module")
def dme():
    return search_poses("Li", 1, [DME], seed=3, n_conformers=3, n_random=2, n_preopt=4, label="Li_DME")


@pytest.fixture(scope="module")
def pdol():
    return search_poses("Li", 1, [PDOL1], seed=11, n_conformers=6, n_random=2, n_preopt=8, label="Li_PDOL")


def _assert_relaxed_sane(candidate):
    xyz = np.asarray(candidate["coordinates_angstrom"])
    d = pair_distances(xyz)
    np.fill_diagonal(d, np.inf)
    assert d.min() > MIN_RELAXED_ANGSTROM
    assert d[0].min() > MIN_RELAXED_ION_ANGSTROM


def _oxygen_contacts(candidate, ligand_index=0):
    return [x for x in candidate["donors"] if x["ligand_index"] == ligand_index and x["element"] == "O"]


def test_dme_binds_bidentate(dme):
    best = dme["candidates"][0]
    assert best["preopt_method"] == "GFN2-xTB" and np.isfinite(best["preopt_energy_hartree"])
    bound = [x for x in _oxygen_contacts(best) if x["distance_angstrom"] <= 2.2]
    assert len(bound) == 2 and best["coordination_number"] == 2
    counts = dme["counts"]
    assert counts["generated"] >= counts["clash_free"] >= counts["preoptimized"] >= counts["distinct"] >= 1
    assert counts["preoptimized"] <= 4 and dme["xtb_wall_s"] > 0
    energies = [c["preopt_energy_hartree"] for c in dme["candidates"]]
    assert energies == sorted(energies) and len(dme["candidates"]) <= 3
    assert best["xyz"].splitlines()[0] == str(len(dme["symbols"]))
    # DME has two O: asking for tridentate is capped, and the result says so
    assert any("capped at 2" in n for n in dme["notes"])
    for cand in dme["candidates"]:
        _assert_relaxed_sane(cand)


def test_methanol_is_monodentate(caplog):
    with caplog.at_level(logging.WARNING, logger="compchem.build.poses"):
        res = search_poses("Li", 1, [METHANOL], seed=5, n_conformers=2, n_random=1, n_preopt=2, k=2)
    assert "max_denticity 3 capped at 1" in caplog.text
    best = res["candidates"][0]
    assert best["coordination_number"] == 1
    (contact,) = _oxygen_contacts(best)
    assert contact["atom"] == 2 and contact["distance_angstrom"] <= 2.0  # C1, O2 in SMILES "CO"
    assert all(t["donors"] == [2] for t in best["targets"])
    _assert_relaxed_sane(best)


def _own_clash_check(cand):
    """The stated thresholds, computed independently of clash_violations."""
    xyz, sym = cand.coordinates_angstrom, cand.symbols
    frags = [f["atom_indices"] for f in cand.fragments[1:]]
    for i, a in enumerate(frags):
        for b in frags[i + 1 :]:
            for p in a:
                for q in b:
                    limit = (
                        MIN_CONTACT_HEAVY_ANGSTROM if "H" not in (sym[p], sym[q]) else MIN_CONTACT_H_ANGSTROM
                    )
                    assert np.linalg.norm(xyz[p] - xyz[q]) >= limit
    targeted = set(cand.targeted_indices())
    for j in range(1, len(xyz)):
        limit = MIN_ION_DONOR_ANGSTROM if j in targeted else MIN_ION_NONDONOR_ANGSTROM
        assert np.linalg.norm(xyz[j] - xyz[0]) >= limit


def test_candidates_clash_free_record_targets_and_are_seeded():
    ligands = [DME, METHANOL, METHANOL]
    a = generate_candidates("Li", 1, ligands, seed=5, n_conformers=3, n_random=1, n_assemblies=12)
    b = generate_candidates("Li", 1, ligands, seed=5, n_conformers=3, n_random=1, n_assemblies=12)
    assert len(a) == len(b) >= 4 and a.n_generated == 12
    for x, y in zip(a, b, strict=True):
        assert x.targets == y.targets
        assert np.array_equal(x.coordinates_angstrom, y.coordinates_angstrom)
    donors = [set(donor_atoms(mol_from_smiles(lig.smiles, 0, lig.name))) for lig in ligands]
    for cand in a:
        assert clash_violations(cand) == []
        _own_clash_check(cand)
        assert [li for li, _ in cand.targets] == [0, 1, 2]
        assert all(set(d) <= donors[li] for li, d in cand.targets)
    c = generate_candidates(
        "Li", 1, [DME, METHANOL, METHANOL], seed=6, n_conformers=3, n_random=1, n_assemblies=12
    )
    same = [np.array_equal(x.coordinates_angstrom, y.coordinates_angstrom) for x, y in zip(a, c)]  # noqa: B905
    assert not all(same)


def test_wrapped_chain_poses_reach_two_and_three_donors():
    cands = generate_candidates("Li", 1, [PDOL1], seed=11, n_conformers=3, n_random=0)
    again = generate_candidates("Li", 1, [PDOL1], seed=11, n_conformers=3, n_random=0)
    assert len(cands) == len(again)
    for x, y in zip(cands, again, strict=True):
        assert x.targets == y.targets and np.array_equal(x.coordinates_angstrom, y.coordinates_angstrom)
    wrapped = [c for c in cands if c.origins == ("wrapped",)]
    targeted = {c.targets[0][1] for c in wrapped}
    assert {(1, 3), (1, 6), (3, 6), (1, 3, 6)} <= targeted  # the three ether O of PDOL1 (0-based 1, 3, 6)
    for c in wrapped:
        d = np.linalg.norm(c.coordinates_angstrom[c.targeted_indices()] - c.coordinates_angstrom[0], axis=1)
        assert d.min() >= 1.7 and d.max() <= 2.3
        _own_clash_check(c)


def test_deduplicate_drops_copies_and_symmetry_equivalents():
    cands = generate_candidates("Li", 1, [DME], seed=3, n_conformers=2, n_random=0)
    mono = next(c for c in cands if c.targets == ((0, (1,)),))
    bi = next(c for c in cands if len(c.targets[0][1]) == 2)
    mono.preopt_method, mono.preopt_energy_hartree = "GFN2-xTB", -21.70
    bi.preopt_method, bi.preopt_energy_hartree = "GFN2-xTB", -21.72
    # a copy, rotated, shifted and slightly perturbed, at a higher energy: a duplicate
    copy_ = copy.deepcopy(mono)
    theta = 0.7
    rot = np.array([[np.cos(theta), -np.sin(theta), 0], [np.sin(theta), np.cos(theta), 0], [0, 0, 1]])
    noise = np.random.default_rng(0).normal(0, 0.01, mono.coordinates_angstrom.shape)
    copy_.coordinates_angstrom = mono.coordinates_angstrom @ rot.T + 3.0 + noise
    copy_.preopt_energy_hartree, copy_.index = -21.69999, 99
    assert kabsch_rmsd(copy_.coordinates_angstrom, mono.coordinates_angstrom) < 0.05
    out = deduplicate([copy_, bi, mono], rmsd_threshold_angstrom=0.25)
    assert out == [bi, mono] and mono.n_duplicates == 1
    # the same pose with DME's two ends swapped (O5 bound instead of O2): a different atom order
    heavy, perms = _automorphisms(mono)
    swap = next(p for p in perms if not np.array_equal(p, np.arange(len(p))))
    full = np.arange(len(mono.symbols))
    full[heavy] = np.asarray(heavy)[swap]
    swapped = copy.deepcopy(mono)  # heavy atoms relabelled (the RMSD and motif use heavy atoms only)
    swapped.coordinates_angstrom[heavy] = mono.coordinates_angstrom[full[heavy]]
    swapped.preopt_energy_hartree, swapped.index = -21.69998, 98
    assert len(deduplicate([mono, swapped], symmetry=True)) == 1
    assert len(deduplicate([mono, swapped], symmetry=False, mirror=False)) == 2


def test_pdol1_has_several_motifs_and_chelates(pdol):
    assert pdol["counts"]["motifs"] >= 2 and pdol["counts"]["distinct"] >= 2
    best = pdol["candidates"][0]
    assert best["preopt_method"] == "GFN2-xTB"
    assert len([x for x in _oxygen_contacts(best) if x["distance_angstrom"] <= 2.2]) >= 2
    assert pdol["energy_spread_ev"] > 0
    rel = [m["relative_energy_ev"] for m in pdol["motifs"]]
    assert min(rel) == 0.0
    for cand in pdol["candidates"]:
        _assert_relaxed_sane(cand)


def test_fallback_names_the_method_used():
    cands = generate_candidates("Li", 1, [DME], seed=3, n_conformers=1, n_random=0)
    bi = next(c for c in cands if len(c.targets[0][1]) == 2)
    uff, none = copy.deepcopy(bi), copy.deepcopy(bi)
    preoptimize_candidates([uff], method="no-such-method", fallback="UFF")
    assert uff.preopt_method == "UFF" and "no-such-method failed" in uff.preopt_note
    assert np.isnan(uff.preopt_energy_hartree) and np.isfinite(uff.preopt_ff_energy_kcal_per_mol)
    d = np.linalg.norm(uff.coordinates_angstrom[uff.targeted_indices()] - uff.coordinates_angstrom[0], axis=1)
    assert d.max() <= 2.15
    preoptimize_candidates([none], method="no-such-method", fallback="none")
    assert none.preopt_method == "none"
    assert np.array_equal(none.coordinates_angstrom, bi.coordinates_angstrom)


def test_impossible_requests_are_clear_errors():
    with pytest.raises(StructureError, match="ligand 'ethane' has no donor atom"):
        generate_candidates("Li", 1, [LigandInput("ethane", "CC", 0)], n_conformers=1)
    water = LigandInput("water", "O", 0)
    with pytest.raises(StructureError, match="cluster 'Li_W12': no clash-free arrangement of 12"):
        generate_candidates("Li", 1, [water] * 12, n_conformers=1, n_random=0, n_assemblies=3, label="Li_W12")
    with pytest.raises(InputError, match="max_denticity must be >= 1"):
        generate_candidates("Li", 1, [DME], max_denticity=0)


def test_crowded_cluster_keeps_drawing_before_it_gives_up():
    # Li+ with five benzimidazoles: none of the first 10 seeded draws is clash-free (found by trying
    # 1-60 draws), a few of the next 30 are. The search draws on (CROWDED_DRAW_FACTOR x), says so,
    # and a cluster that fits in time gets exactly its old candidates.
    bim = LigandInput("benzimidazole", "c1ccc2[nH]cnc2c1", 0)
    crowded = generate_candidates("Li", 1, [bim] * 5, n_conformers=3, n_assemblies=10, label="Li_bIm5")
    assert len(crowded) >= 1 and 10 < crowded.n_generated <= CROWDED_DRAW_FACTOR * 10
    assert any("no clash-free arrangement in 10 draws" in n for n in crowded.notes)
    assert all(not clash_violations(c) for c in crowded)
    fits = generate_candidates("Li", 1, [bim] * 3, n_conformers=3, n_assemblies=5, label="Li_bIm3")
    assert fits.n_generated == 5 and not any("draws" in n for n in fits.notes)
