"""Optimization convergence rule (level option ``opt_convergence_rule``).

``qchem`` stops once the RMS gradient and either the energy change or the RMS displacement meet their
thresholds (geomeTRIC's ``qccnv``); the default needs all five criteria. The rule only decides when to
stop, never which step to take, so the ``qchem`` path is a prefix of the default path: that is what
the real optimization below checks. The molecule, 1,2-dimethoxyethane at B3LYP/STO-3G from an MMFF
geometry, was picked because its methyl torsions keep the displacement criterion unmet for two more
steps after the gradient and energy criteria are met (9 vs 7 gradients, measured here).
"""

import dataclasses

import numpy as np
import pytest

from compchem.backends import pyscf_backend
from compchem.backends.base import run_cached
from compchem.errors import InputError
from compchem.models import CalcSpec, LevelOfTheory, Resources
from compchem.records import Cache

STO = {"basis": "sto-3g", "density_fitting": False, "grid_level": 2, "scf_conv_tol": 1e-10}
R = Resources(threads=1, memory_mb=2000)
#: 1,2-dimethoxyethane, RDKit ETKDG (seed 7) + MMFF94, Å
DME_SYMBOLS = ("C", "O", "C", "C", "O", "C", *("H",) * 10)
DME_START = (
    (2.738294, 0.702013, -0.013682),
    (1.449195, 0.366398, 0.479942),
    (0.734860, -0.470292, -0.437059),
    (-0.679374, -0.711577, 0.089106),
    (-1.487206, 0.443224, -0.165956),
    (-2.785673, 0.307166, 0.393999),
    (3.334756, -0.201305, -0.173843),
    (3.240885, 1.325197, 0.730828),
    (2.655952, 1.269724, -0.945503),
    (1.264367, -1.426045, -0.515259),
    (0.697381, 0.013214, -1.419844),
    (-1.123935, -1.565152, -0.434087),
    (-0.655279, -0.910000, 1.166648),
    (-3.299043, -0.559226, -0.034041),
    (-2.725428, 0.210151, 1.482264),
    (-3.359752, 1.206509, 0.155536),
)


def level(rule: str | None, **extra) -> LevelOfTheory:
    return LevelOfTheory.from_dict("sto", {**STO, "opt_convergence_rule": rule, **extra})


def spec(rule: str | None, task: str = "optimize") -> CalcSpec:
    return CalcSpec(DME_SYMBOLS, DME_START, 0, 1, level(rule), task, label=f"DME[{rule}]")


def test_rule_validated_and_hashed_for_optimizations_only():
    with pytest.raises(InputError, match="opt_convergence_rule"):
        level("gaussian")
    with pytest.raises(InputError, match="backend pyscf"):
        level("qchem", backend="gaussian")
    assert "opt_convergence_rule" not in level(None).science_dict()  # old hashes unchanged
    assert spec("qchem").content_hash() != spec(None).content_hash()
    # a single point at a geometry does not depend on how an optimization would converge
    assert spec("qchem", "energy").content_hash() == spec(None, "energy").content_hash()
    assert spec(None).reusable_keys() == (spec(None).content_hash(),)
    assert spec("qchem").reusable_keys() == (spec("qchem").content_hash(), spec(None).content_hash())
    assert LevelOfTheory.from_record(level("qchem").to_dict()).opt_convergence_rule == "qchem"


def test_staged_level_reuses_results_converged_under_all_criteria():
    def staged(rule):
        settings = {**STO, "opt_convergence_rule": rule, "preopt": level(rule).to_dict()}
        return LevelOfTheory.from_dict("fine", settings)

    loose, strict = (CalcSpec(DME_SYMBOLS, DME_START, 0, 1, staged(r), "optimize") for r in ("qchem", None))
    keys = loose.reusable_keys()
    assert keys[0] == loose.content_hash() and strict.content_hash() in keys
    assert strict.reusable_keys() == (strict.content_hash(),)


def test_looser_energy_threshold_reuses_results_converged_tighter():
    """A level whose energy-change threshold is looser than geomeTRIC's default (ORCA's 5e-6 Ha)
    reuses optimizations, checkpoints and single points computed at the default threshold; a tighter
    one reuses nothing looser."""
    default = CalcSpec(DME_SYMBOLS, DME_START, 0, 1, level("qchem"), "optimize")
    loose = CalcSpec(
        DME_SYMBOLS, DME_START, 0, 1, level("qchem", opt_convergence_energy_hartree=5e-6), "optimize"
    )
    tight = CalcSpec(
        DME_SYMBOLS, DME_START, 0, 1, level("qchem", opt_convergence_energy_hartree=1e-7), "optimize"
    )
    assert loose.content_hash() != default.content_hash()
    assert set(default.reusable_keys()) < set(loose.reusable_keys())
    assert default.content_hash() not in tight.reusable_keys()
    # a single point's hash still holds the threshold (records written before); its variants find them
    sp_loose, sp_default = (dataclasses.replace(s, task="energy") for s in (loose, default))
    assert sp_default.content_hash() in sp_loose.reusable_keys()


@pytest.fixture(scope="module")
def strict_dme(tmp_path_factory):
    """DME optimized under all five criteria (9 gradients), in a cache of its own."""
    cache = Cache(tmp_path_factory.mktemp("strict"))
    return cache, run_cached(spec(None), R, cache)


def test_qchem_rule_stops_on_the_default_path_earlier(strict_dme, compchem_log):
    cache, strict = strict_dme
    loose = run_cached(spec("qchem"), R, None)
    assert strict.converged and loose.converged
    n = len(loose.history)
    assert n < len(strict.history)  # measured: 7 vs 9
    assert [h["energy_hartree"] for h in loose.history] == pytest.approx(
        [h["energy_hartree"] for h in strict.history[:n]], abs=1e-8
    )
    assert loose.energy_hartree == pytest.approx(strict.energy_hartree, abs=1e-5)
    assert loose.level["opt_convergence_rule"] == "qchem"
    # the strict result answers the qchem spec from the cache without computing
    compchem_log.lines.clear()
    reused = run_cached(spec("qchem"), R, cache)
    assert reused.spec_hash == spec(None).content_hash()
    assert reused.energy_hartree == strict.energy_hartree
    assert "reusing cached result" in compchem_log.text


def test_qchem_run_resumes_a_checkpoint_written_under_all_criteria(tmp_path, compchem_log):
    """Switching a level to the looser rule mid-optimization keeps the steps already taken."""
    cache = Cache(tmp_path)
    strict_key = spec(None).content_hash()
    history = [{"energy_hartree": -304.0, "gradient_rms_hartree_per_bohr": 0.01}] * 3
    cache.put(
        strict_key,
        "checkpoint",
        {"label": "DME", "symbols": list(DME_SYMBOLS), "coordinates_angstrom": DME_START, "history": history},
    )
    result = run_cached(spec("qchem"), R, cache)
    assert "resuming optimization from checkpoint after 3 steps" in compchem_log.text
    assert result.converged and len(result.history) > 3
    assert cache.get(spec("qchem").content_hash(), "record") is not None
    assert cache.get(strict_key, "checkpoint") is None  # consumed, not left behind


class _Killed(BaseException):
    """Stands for a SIGKILL between two optimization steps."""


def test_resume_carries_geometric_hessian_and_trust_radius(strict_dme, tmp_path, monkeypatch, compchem_log):
    """A checkpoint keeps geomeTRIC's quasi-Newton Hessian (Cartesian) and trust radius, and the energy
    and gradient at its geometry; a resumed run starts from them instead of a model Hessian at full
    trust, and does not compute the checkpointed gradient again. Measured here: killed after 5 of 9
    gradients, the resumed run retraces the uninterrupted one (9 gradients in all). Before, it ended
    after 10 from a model Hessian, 9 with the checkpointed gradient repeated, and 8 on a different path
    when the checkpointed Hessian lacked the update with the last gradient."""
    _, strict = strict_dme
    cache = Cache(tmp_path)
    original = pyscf_backend._Track.step

    def step_then_die(track, env):
        original(track, env)
        if len(track.history) == 5:
            raise _Killed

    monkeypatch.setattr(pyscf_backend._Track, "step", step_then_die)
    with pytest.raises(_Killed):
        run_cached(spec(None), R, cache)
    monkeypatch.setattr(pyscf_backend._Track, "step", original)
    state = cache.get(spec(None).content_hash(), "checkpoint")["optimizer"]
    hess = np.array(state["hessian_cartesian_hartree_per_bohr2"])
    assert hess.shape == (3 * len(DME_SYMBOLS),) * 2 and np.allclose(hess, hess.T)
    assert np.isfinite(hess).all() and 0 < state["trust_angstrom"] <= 0.3

    resumed = run_cached(spec(None), R, cache)
    assert "resumes with its checkpointed Hessian" in compchem_log.text
    assert resumed.extra["opt_initial_hessian"] == "checkpoint"
    assert resumed.converged and resumed.extra["resumed_from_step"] == 5
    assert "opt step 5 taken from the checkpoint" in compchem_log.text
    energies = [h["energy_hartree"] for h in resumed.history]
    assert energies[:5] == pytest.approx([h["energy_hartree"] for h in strict.history[:5]], abs=1e-9)
    assert abs(energies[5] - energies[4]) > 1e-8  # step 6 is a new geometry, not the repeat of step 5
    assert len(resumed.history) <= len(strict.history)
    # with the Hessian updated at the checkpointed step, the resumed run retraces the uninterrupted one
    assert energies == pytest.approx([h["energy_hartree"] for h in strict.history], abs=1e-6)
    assert resumed.energy_hartree == pytest.approx(strict.energy_hartree, abs=1e-5)
    print(f"gradients: uninterrupted {len(strict.history)}, killed at 5 and resumed {len(resumed.history)}")
