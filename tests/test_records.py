import json

import pytest

from compchem.models import CalcResult, CalcSpec, LevelOfTheory
from compchem.records import Cache, read_record, write_json_atomic, write_record

LEVEL = LevelOfTheory.from_dict("t", {"basis": "sto-3g"})
GEOM = ((0.0, 0.0, -1.85), (0.0, 0.0, 0.0), (0.0, 0.7572, 0.5865), (0.0, -0.7572, 0.5865))


def spec(**kw):
    base = dict(
        symbols=("Li", "O", "H", "H"),
        coordinates_angstrom=GEOM,
        charge=1,
        multiplicity=1,
        level=LEVEL,
        task="optimize",
        label="a",
    )
    base.update(kw)
    return CalcSpec(**base)


def test_hash_ignores_label_but_not_science():
    h = spec().content_hash()
    assert spec(label="renamed").content_hash() == h
    assert spec(charge=-1).content_hash() != h
    assert spec(task="energy").content_hash() != h
    moved = (GEOM[0][:2] + (-1.86,),) + GEOM[1:]
    assert spec(coordinates_angstrom=moved).content_hash() != h
    other_level = LevelOfTheory.from_dict("t", {"basis": "3-21g"})
    assert spec(level=other_level).content_hash() != h
    # the level's name is a label, not science
    assert spec(level=LevelOfTheory.from_dict("other", {"basis": "sto-3g"})).content_hash() == h


def test_per_element_basis_hashes_by_the_elements_present():
    """A Zn basis in a level does not change the hash of a Zn-free species (its results are reused),
    but does where a present element's basis changes; staged and composite levels alike."""
    h = spec().content_hash()
    with_zn = LevelOfTheory.from_dict("t", {"basis": {"default": "sto-3g", "Zn": "def2-svp"}})
    assert spec(level=with_zn).content_hash() == h
    li_other = LevelOfTheory.from_dict("t", {"basis": {"default": "sto-3g", "Li": "3-21g"}})
    assert spec(level=li_other).content_hash() != h
    # the same map on a structure that holds the element counts it
    zn = spec(symbols=("Zn", "O", "H", "H"), charge=2)
    assert zn.content_hash() != spec(symbols=("Zn", "O", "H", "H"), charge=2, level=with_zn).content_hash()
    levels = {"pre": {"basis": "sto-3g"}, "pre_zn": {"basis": {"default": "sto-3g", "Zn": "def2-svp"}}}
    staged = LevelOfTheory.from_dict("t", {"basis": "3-21g", "preopt_level": "pre"}, levels)
    staged_zn = LevelOfTheory.from_dict("t", {"basis": "3-21g", "preopt_level": "pre_zn"}, levels)
    assert staged.preopt is not None and staged_zn.preopt is not None
    assert spec(level=staged).content_hash() == spec(level=staged_zn).content_hash()


def test_level_rejects_unknown_keys():
    from compchem.errors import InputError

    with pytest.raises(InputError, match="level 'x': unknown key"):
        LevelOfTheory.from_dict("x", {"basis": "sto-3g", "bassis": "3-21g"})


def test_atomic_write_leaves_no_temp_files(tmp_path):
    target = tmp_path / "sub" / "a.json"
    write_json_atomic(target, {"a": 1})
    write_json_atomic(target, {"a": 2})
    assert json.loads(target.read_text()) == {"a": 2}
    assert [p.name for p in target.parent.iterdir()] == ["a.json"]


def test_atomic_write_failure_keeps_old_file(tmp_path):
    target = tmp_path / "a.json"
    write_json_atomic(target, {"a": 1})
    with pytest.raises(TypeError):
        write_json_atomic(target, {"a": object()})
    assert json.loads(target.read_text()) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_record_roundtrip_and_cache(tmp_path):
    res = CalcResult(
        label="a",
        task="energy",
        program="pyscf",
        program_version="x",
        spec_hash="ab" * 32,
        level=LEVEL.to_dict(),
        charge=1,
        multiplicity=1,
        symbols=["Li"],
        coordinates_angstrom=[[0.0, 0.0, 0.0]],
        energy_hartree=-7.1,
        converged=True,
    )
    write_record(tmp_path / "r.json", res)
    assert read_record(tmp_path / "r.json") == res
    cache = Cache(tmp_path / "cache")
    cache.put(res.spec_hash, "record", res.to_dict())
    cache.put(res.spec_hash, "record", {"other": 1}, overwrite=False)  # finished records stay
    assert cache.get(res.spec_hash, "record")["energy_hartree"] == -7.1
    assert cache.get("cd" * 32, "record") is None
