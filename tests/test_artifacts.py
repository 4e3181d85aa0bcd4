"""The typed artifacts of ``compchem.artifacts`` write back exactly the files they read: every
committed build, pose, thermochemistry, counterpoise and solvent file round-trips with the same keys in
the same order and the same values, so switching the jobs to these classes changes no output file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compchem.artifacts import (
    ABSENT,
    BuildRecord,
    CounterpoiseRecord,
    PoseSummary,
    SolventRecord,
    ThermoRecord,
)
from compchem.errors import CompchemError, DamagedFileError

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results"
RUNS = ("paper", "screening")

KINDS = {
    BuildRecord: ["structures/*.build.json"],
    PoseSummary: [f"{run}/poses/*.json" for run in RUNS],
    ThermoRecord: [f"{run}/thermo*/*.json" for run in RUNS],
    CounterpoiseRecord: [f"{run}/counterpoise/*.json" for run in RUNS],
    SolventRecord: [f"{run}/solvent_*/*.json" for run in RUNS],
}


def committed(cls: type) -> list[Path]:
    return sorted({p for pattern in KINDS[cls] for p in RESULTS.glob(pattern)})


CASES = [
    pytest.param(cls, path, id=str(path.relative_to(RESULTS))) for cls in KINDS for path in committed(cls)
]


@pytest.mark.parametrize("cls", list(KINDS), ids=lambda c: c.__name__)
def test_every_kind_has_committed_files(cls):
    assert committed(cls), f"no committed {cls.KIND} files under {RESULTS}"


@pytest.mark.parametrize(("cls", "path"), CASES)
def test_committed_file_round_trips(cls, path):
    data = json.loads(path.read_text())
    artifact = cls.from_dict(data, path)
    assert artifact.extra == {}, f"{path}: keys the class does not know: {list(artifact.extra)}"
    again = artifact.to_dict()
    assert again == data
    assert list(again) == list(data)  # the same key order, so the written file is the same
    assert json.dumps(again, indent=1) == json.dumps(data, indent=1)


@pytest.mark.parametrize("cls", list(KINDS), ids=lambda c: c.__name__)
def test_missing_required_key_is_named(cls):
    data = json.loads(committed(cls)[0].read_text())
    for key in cls.required_keys():
        broken = {k: v for k, v in data.items() if k != key}
        with pytest.raises(DamagedFileError, match=rf"lacks the key\(s\) \['{key}'\]") as info:
            cls.from_dict(broken, "some/file.json")
        assert isinstance(info.value, CompchemError)
        assert "some/file.json" in str(info.value)


def test_optional_keys_stay_absent_and_unknown_keys_are_kept():
    data = json.loads((RESULTS / "paper" / "thermo" / "Li_ion.json").read_text())
    thermo = ThermoRecord.from_dict({**data, "from_a_newer_writer": 1})
    assert thermo.level is ABSENT and thermo.frequencies_geometry_change is ABSENT
    assert thermo.extra == {"from_a_newer_writer": 1}
    assert list(thermo.to_dict())[-1] == "from_a_newer_writer"
    assert "level" not in thermo.to_dict()


def test_schema_version_is_checked():
    data = json.loads(committed(SolventRecord)[0].read_text())
    assert SolventRecord.from_dict(data).schema_version == 1
    assert "schema_version" not in SolventRecord.from_dict({**data, "schema_version": 1}).to_dict()
    with pytest.raises(DamagedFileError, match="schema_version 2"):
        SolventRecord.from_dict({**data, "schema_version": 2})
    with pytest.raises(DamagedFileError, match="must hold a JSON object"):
        SolventRecord.from_dict([data])


def test_pose_build_writes_candidates_last():
    poses = [p for p in committed(BuildRecord) if ".pose" in p.name]
    clusters = [p for p in committed(BuildRecord) if "pose_search" in json.loads(p.read_text())]
    assert poses and clusters
    pose = BuildRecord.from_dict(json.loads(poses[0].read_text()))
    assert pose.is_pose and list(pose.to_dict())[-1] == "candidates"
    cluster = BuildRecord.from_dict(json.loads(clusters[0].read_text()))
    assert not cluster.is_pose and list(cluster.to_dict())[-1] == "definition"


def test_counterpoise_conversions_follow_the_hartree_energies():
    data = json.loads(committed(CounterpoiseRecord)[0].read_text())
    cp = CounterpoiseRecord.from_dict(data)
    assert cp.conversions["bsse_ev"] == data["bsse_ev"]
    assert all(k.endswith(("_ev", "_kcal_per_mol")) for k in cp.conversions)
    keys = list(cp.to_dict())
    assert (
        keys.index("identity_residual_hartree") < keys.index("interaction_raw_ev") < keys.index("definitions")
    )
