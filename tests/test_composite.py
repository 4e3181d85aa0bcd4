"""The composite protocol B//A (optimize at level A, single point at level B): levels, the cached
runner, progress and estimate. Real PySCF on Li+ + water at STO-3G // 3-21G scale."""

from __future__ import annotations

import dataclasses

import pytest

from compchem import estimate
from compchem.backends.base import run_cached
from compchem.errors import InputError
from compchem.models import CalcSpec, LevelOfTheory, Resources
from compchem.progress import optimization_progress
from compchem.records import Cache

LEVELS = {
    "cheap": {"basis": "sto-3g", "density_fitting": False, "grid_level": 1, "opt_maxsteps": 50},
    "big": {"basis": "3-21g", "density_fitting": False, "grid_level": 2, "preopt_level": "cheap"},
    "combo": {"energy_level": "big", "geometry_level": "cheap"},
    "own": {"basis": "3-21g", "density_fitting": False, "grid_level": 2, "geometry_level": "cheap"},
}

WATER = (("O", "H", "H"), ((0.0, 0.0, 0.12), (0.0, 0.76, -0.48), (0.0, -0.76, -0.48)))


def level(name: str) -> LevelOfTheory:
    return LevelOfTheory.from_dict(name, LEVELS[name], LEVELS)


def water(lvl: LevelOfTheory, task: str = "optimize") -> CalcSpec:
    return CalcSpec(WATER[0], WATER[1], 0, 1, lvl, task, label="water")


def test_composite_level_names_hash_and_record_round_trip():
    combo, own, big, cheap = level("combo"), level("own"), level("big"), level("cheap")
    assert combo.is_composite and combo.notation() == "big//cheap"
    assert own.notation() == "own//cheap"
    assert combo.describe() == "B3LYP/3-21g//B3LYP/sto-3g"
    # the single-point level is B without its optimization stage; the same settings as `own`'s
    assert combo.single_point_level().science_dict() == big.without_preopt().science_dict()
    assert combo.single_point_level().name == "big"
    hashes = {water(x).content_hash() for x in (combo, big, cheap)}
    assert len(hashes) == 3  # its own content hash, neither A's nor B's
    # the same protocol under two names (energy_level or the keys written out) is one calculation
    assert water(combo).content_hash() == water(own).content_hash()
    assert LevelOfTheory.from_record(combo.to_dict()) == combo
    # a level without geometry_level keeps the content hash it had before composite levels existed
    assert "geometry" not in big.science_dict() and "energy_level" not in big.science_dict()


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"geometry_level": "nosuch"}, "geometry_level 'nosuch' is not a defined level"),
        ({"geometry_level": "cheap", "energy_level": "big", "basis": "sto-3g"}, "remove ['basis']"),
        ({"geometry_level": "cheap", "energy_level": "nosuch"}, "energy_level 'nosuch' is not a defined"),
        ({"geometry_level": "cheap", "preopt_level": "cheap"}, "give the staged optimization"),
        ({"geometry_level": "combo"}, "is itself a composite level"),
        ({"energy_level": "big"}, "only together with geometry_level"),
    ],
)
def test_bad_composite_levels_are_refused(entry, message):
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")):
        LevelOfTheory.from_dict("bad", entry, {**LEVELS, "bad": entry})


@pytest.mark.dft
def test_composite_reuses_the_finished_optimization_and_adds_one_single_point(tmp_path, compchem_log):
    cache = Cache(tmp_path / "cache")
    res = Resources(threads=1, memory_mb=2000)
    cheap, combo = level("cheap"), level("combo")
    optimized = run_cached(water(cheap), res, cache)
    assert optimized.converged and optimized.n_opt_steps > 0
    before = compchem_log.text
    result = run_cached(water(combo), res, cache)
    new_lines = compchem_log.text[len(before) :]
    # the optimization at A came from the cache (no new optimizer step), only B's single point ran
    assert "water@cheap: reusing cached result" in new_lines and "opt step" not in new_lines
    # B's first SCF starts from A's last orbitals, projected onto B's basis
    assert "first SCF starts from the orbitals of the geometry optimization" in new_lines
    assert result.coordinates_angstrom == optimized.coordinates_angstrom
    assert result.n_opt_steps == optimized.n_opt_steps and result.converged
    direct = run_cached(
        dataclasses.replace(
            water(combo.single_point_level(), "energy"),
            coordinates_angstrom=tuple(map(tuple, optimized.coordinates_angstrom)),
        ),
        res,
        None,
    )
    assert result.energy_hartree == pytest.approx(direct.energy_hartree, abs=1e-8)
    # B's energy, not A's: B3LYP/3-21G -75.972 Ha vs B3LYP/STO-3G -75.323 Ha at this geometry (this
    # test's first run, PySCF 2.14.0)
    assert result.energy_hartree == pytest.approx(-75.972, abs=2e-3)
    assert optimized.energy_hartree == pytest.approx(-75.323, abs=2e-3)
    info = result.extra["composite"]
    assert info["notation"] == "big//cheap" and info["geometry_spec_hash"] == optimized.spec_hash
    assert result.extra["stages"][-1]["task"] == "energy"
    assert result.level["geometry"]["name"] == "cheap"
    # the composite record itself is cached under its own hash: a rerun computes nothing
    assert cache.get(water(combo).content_hash(), "record")["energy_hartree"] == result.energy_hartree
    # an energy task at a composite level is the single point of B at the given geometry
    sp = run_cached(water(combo, "energy"), res, None)
    assert sp.level["name"] == "big" and sp.task == "energy"
    # progress: the stage at A is done and the single point too
    rows = optimization_progress(water(combo), cache)
    assert [r["stage_level"] for r in rows] == ["cheap", "big"]
    assert [r["state"] for r in rows] == ["done", "done"]
    pending = optimization_progress(water(combo), Cache(tmp_path / "empty"))
    assert [r["state"] for r in pending] == ["pending", "pending"]


def test_estimate_prices_the_composite_as_steps_at_a_plus_one_scf_at_b():
    combo, cheap = level("combo"), level("cheap")
    symbols = ["Li", "O", "H", "H"]
    b = combo.single_point_level()
    expected = estimate.optimization_seconds(symbols, cheap, 2, 10, 0) + estimate.SCF_SHARE * (
        estimate.seconds_per_gradient(estimate.n_basis_functions(symbols, b), b, 2)
    )
    assert estimate.optimization_seconds(symbols, combo, 2, 10, 0) == pytest.approx(expected)
    assert estimate.optimization_seconds(symbols, combo, 2, 10, 0) < estimate.optimization_seconds(
        symbols, b, 2, 10, 0
    )


@pytest.mark.dft
def test_a_cached_result_of_the_same_science_answers_in_the_asking_levels_name(tmp_path):
    """A Zn-free species at a level whose basis map adds Zn is the same calculation as at the plain
    level (one content hash): the cached record is reused and carries the asking level's name and
    basis, so every record of that level's table compares equal (``level_consistent``)."""
    from compchem.analysis.labels import level_key

    cache = Cache(tmp_path / "cache")
    h2 = dict(symbols=("H", "H"), coordinates_angstrom=((0, 0, 0), (0, 0, 0.74)), charge=0, multiplicity=1)
    plain = LevelOfTheory.from_dict("plain", {"basis": "sto-3g"})
    with_zn = LevelOfTheory.from_dict("with_zn", {"basis": {"default": "sto-3g", "Zn": "def2-svp"}})
    first = run_cached(CalcSpec(**h2, level=plain, task="energy", label="h2"), Resources(), cache)
    spec = CalcSpec(**h2, level=with_zn, task="energy", label="h2")
    again = run_cached(spec, Resources(), cache)
    assert again.spec_hash == first.spec_hash == spec.content_hash()
    assert again.energy_hartree == first.energy_hartree
    assert again.level["name"] == "with_zn" and again.level["basis"] == {
        "default": "sto-3g",
        "Zn": "def2-svp",
    }
    assert level_key(again.level) == level_key(with_zn.to_dict())
