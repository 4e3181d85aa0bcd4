"""Where a long run stands, read from its files alone (no DFT, no Snakemake): for every DFT species of
a config at each run level, whether its optimization is finished, stopped inside a stage with a
checkpoint (how many gradients, the last energy and gradient norms against the level's thresholds) or
not started yet. A paper-level cluster takes longer than one session; this is what a user checks
before resuming it, on this machine or on another one that has the committed ``results/``.

The states come from the same places the workflow reads: the per-level records
(``results/<level>/records/<species>.json``), the content-addressed cache (records and checkpoints
under the keys ``CalcSpec.reusable_keys`` gives) and the built structures
(``results/structures/<species>.build.json``)."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

from compchem.artifacts import PoseSummary, read_artifact
from compchem.chem import pose_name
from compchem.config import Plan
from compchem.layout import Layout
from compchem.models import CalcSpec, LevelOfTheory, coordinate_rows
from compchem.records import Cache, read_json

#: States of one optimization stage, in the order a run passes through them; ``screened out``: a pose
#: ranked below the best at its screening level under ``pose_screening`` (not computed at the level).
STATES = ("not built", "pending", "checkpoint", "done", "screened out")


def _pending_row(level: LevelOfTheory) -> dict[str, Any]:
    """The row of a stage with nothing computed yet (its thresholds from ``level``)."""
    return {
        "stage_level": level.name,
        "state": "pending",
        "gradients": 0,
        "energy_hartree": None,
        "last_delta_energy_hartree": None,
        "gradient_rms_hartree_per_bohr": None,
        "gradient_max_hartree_per_bohr": None,
        "target_gradient_rms_hartree_per_bohr": level.opt_convergence_grms_hartree_per_bohr,
        "target_gradient_max_hartree_per_bohr": level.opt_convergence_gmax_hartree_per_bohr,
        "last_step_s": None,
        "wall_time_s": 0.0,
        "converged": False,
        "updated": None,
        "cache_key": None,
    }


def _stage_row(spec: CalcSpec, cache: Cache) -> dict[str, Any]:
    """State of one optimization (one stage) from the cache: its record, else its checkpoint."""
    row = {**_pending_row(spec.level), "cache_key": spec.content_hash()}
    keys = spec.reusable_keys()
    found = cache.find(keys, "record")
    kind = "record"
    if found is None:
        found, kind = cache.find(keys, "checkpoint"), "checkpoint"
    if found is None:
        return row
    key, data = found
    history = data.get("history", [])
    energies = [h["energy_hartree"] for h in history]
    row.update(
        state="done" if kind == "record" else "checkpoint",
        gradients=len(history) if kind == "checkpoint" else int(data.get("n_opt_steps", len(history))),
        energy_hartree=data["energy_hartree"] if kind == "record" else (energies[-1] if energies else None),
        last_delta_energy_hartree=energies[-1] - energies[-2] if len(energies) > 1 else None,
        wall_time_s=float(data.get("wall_time_s", 0.0)),
        converged=bool(data.get("converged", False)),
        # when the checkpoint was last written (a finished record's file time says nothing after a clone)
        updated=(
            time.strftime("%Y-%m-%d %H:%M", time.localtime(cache.path(key, kind).stat().st_mtime))
            if kind == "checkpoint"
            else None
        ),
        cache_key=key,
    )
    if history:
        last = history[-1]
        row.update(
            gradient_rms_hartree_per_bohr=last.get("gradient_rms_hartree_per_bohr"),
            gradient_max_hartree_per_bohr=last.get("gradient_max_hartree_per_bohr"),
            last_step_s=last.get("step_time_s"),
        )
    return row


def optimization_progress(spec: CalcSpec, cache: Cache) -> list[dict[str, Any]]:
    """One row per stage of the optimization ``spec`` (two for a staged level, as ``_run_staged``
    runs them): stage 2's starting geometry is stage 1's result, so it is known only once stage 1 is
    done; until then stage 2 is ``pending``."""
    level = spec.level
    if level.geometry is not None:
        return _composite_progress(spec, level.geometry, cache)
    if level.preopt is None or len(spec.symbols) == 1:
        return [_stage_row(spec, cache)]
    stage1_spec = dataclasses.replace(spec, level=level.preopt)
    stage1 = _stage_row(stage1_spec, cache)
    final_level = level.without_preopt()
    # stage 1 is done when its record is in the cache (``_stage_row``)
    found = cache.find(stage1_spec.reusable_keys(), "record") if stage1["state"] == "done" else None
    if found is None:
        return [stage1, _pending_row(final_level)]  # its start (stage 1's minimum) is not known yet
    _, record = found
    stage2_spec = dataclasses.replace(
        spec,
        level=final_level,
        coordinates_angstrom=coordinate_rows(record["coordinates_angstrom"]),
    )
    return [stage1, _stage_row(stage2_spec, cache)]


def _composite_progress(spec: CalcSpec, geometry_level: LevelOfTheory, cache: Cache) -> list[dict[str, Any]]:
    """Stages of a composite ``B//A`` optimization, as ``_run_composite`` runs them: the optimization
    at A (``geometry_level``: one or two stages), then the single point at B, pending until A's
    geometry is known."""
    from compchem.models import CalcResult

    stages = optimization_progress(dataclasses.replace(spec, level=geometry_level), cache)
    single_point = spec.level.single_point_level()
    last = stages[-1]
    stored = cache.get(last["cache_key"], "record") if last["state"] == "done" else None
    if stored is None:
        return [*stages, _pending_row(single_point)]
    point = CalcResult.from_dict(stored).spec_at(single_point, "energy")
    return [*stages, _stage_row(point, cache)]


def dft_species(plan: Plan, layout: Layout) -> list[tuple[str, Path]]:
    """The species the workflow optimizes, with their build files: the ion and the ligands as they
    are, each cluster as its DFT poses (``<cluster>.pose<k>``; how many is known once it is built)."""
    from compchem.jobs import pose_count

    out: list[tuple[str, Path]] = []
    for name in plan.species():
        build = Path(layout.build(name))
        if name not in plan.clusters:
            out.append((name, build))
            continue
        n = pose_count(str(build), plan.dft_poses(name)) if build.exists() else plan.dft_poses(name)
        out.extend((pose_name(name, k), Path(layout.build(pose_name(name, k)))) for k in range(n))
    return out


def _layout_and_cache(plan: Plan, cache_dir: str | Path | None) -> tuple[Layout, Cache]:
    """The plan's results layout and its content cache (``results/cache`` unless ``cache_dir``)."""
    layout = Layout(plan.results_dir, cache_dir)
    return layout, Cache(layout.cache)


def plan_progress(plan: Plan, cache_dir: str | Path | None = None) -> list[dict[str, Any]]:
    """One row per (run level, DFT species, stage) of ``plan``: its state and numbers (see
    ``_stage_row``); species not built yet are ``not built``."""
    from compchem.jobs import spec_from_build

    layout, cache = _layout_and_cache(plan, cache_dir)
    rows: list[dict[str, Any]] = []
    for lname in plan.run_levels:
        level: LevelOfTheory = plan.levels[lname]
        for species, build in dft_species(plan, layout):
            base = {"level": lname, "species": species, "atoms": len(plan.symbols(species))}
            record_path = Path(layout.record(lname, species))
            if level.backend != "pyscf" or not build.exists():
                done = record_path.exists()
                state = "done" if done else ("pending" if build.exists() else "not built")
                rec = read_json(record_path, "record") if done else {}
                rows.append(
                    {
                        **base,
                        "stage": "1/1",
                        "stage_level": lname,
                        "state": state,
                        "gradients": rec.get("n_opt_steps", 0),
                        "energy_hartree": rec.get("energy_hartree"),
                        "converged": rec.get("converged", False),
                    }
                )
                continue
            stages = optimization_progress(spec_from_build(str(build), level.to_dict()), cache)
            if len(stages) == 2 and _screened_out(plan, lname, species):
                stages[1].update(state="screened out", cache_key=None)
            for i, stage in enumerate(stages, 1):
                rows.append({**base, "stage": f"{i}/{len(stages)}", **stage})
    return rows


def counterpoise_progress(plan: Plan, cache_dir: str | Path | None = None) -> list[dict[str, Any]]:
    """With ``thermo: {counterpoise: true}``: one row per (run level, cluster) saying whether its
    counterpoise analysis is written (``done``), how many of its fragment single points (full and
    own basis of each fragment, ``counterpoise_single_points``) are cached, or that the cluster's
    optimized record does not exist yet (``waiting``: the single points need its geometry)."""
    from compchem.analysis.counterpoise import counterpoise_single_points
    from compchem.records import read_record

    if not plan.counterpoise:
        return []
    layout, cache = _layout_and_cache(plan, cache_dir)
    rows = []
    for lname in plan.run_levels:
        level = plan.levels[lname]
        for name, cluster in plan.clusters.items():
            record = Path(layout.record(lname, name))
            row = {"level": lname, "cluster": name, "single_points_cached": 0, "single_points": None}
            if Path(layout.counterpoise(lname, name)).exists():
                rows.append({**row, "state": "done"})
                continue
            if not record.exists():
                rows.append({**row, "state": "waiting"})
                continue
            cms = [plan.charge_multiplicity(n) for n in (plan.ion_name, *cluster.ligands)]
            specs = counterpoise_single_points(read_record(record), cms, level)
            cached = sum(cache.find(s.reusable_keys(), "record") is not None for s in specs)
            rows.append(
                {
                    **row,
                    "state": "pending" if cached == 0 else "partial",
                    "single_points_cached": cached,
                    "single_points": len(specs),
                }
            )
    return rows


def format_counterpoise_progress(rows: list[dict[str, Any]]) -> list[str]:
    """Text lines of ``counterpoise_progress`` rows."""
    lines = []
    for r in rows:
        count = f" ({r['single_points_cached']} of {r['single_points']} single points cached)"
        detail = count if r["single_points"] else ""
        lines.append(f"counterpoise {r['level']:<8s} {r['cluster']:<16s} {r['state']}{detail}")
    return lines


def _screened_out(plan: Plan, level: str, species: str) -> bool:
    """Whether pose ``species`` was ranked below its cluster's best at the screening level, so that
    the workflow does not optimize it at ``level`` (``pose_screening``)."""
    screening = plan.screening_level(level)
    cluster = plan.base_species(species)
    if screening is None or cluster == species:
        return False
    path = Path(Layout(plan.results_dir).poses(screening, cluster))
    return (
        path.exists() and pose_name(cluster, int(read_artifact(PoseSummary, path).selected_pose)) != species
    )


def _fmt(value: Any, spec: str) -> str:
    return "" if value is None else format(value, spec)


def format_progress(rows: list[dict[str, Any]]) -> list[str]:
    """Text table of ``plan_progress`` rows (energies Hartree, gradients Hartree/Bohr, times s)."""
    header = (
        f"{'level':<8s} {'species':<20s} {'stage':<5s} {'at':<14s} {'state':<10s} {'grads':>5s} "
        f"{'E_hartree':>16s} {'last_dE_hartree':>15s} {'grad_rms/target':>19s} {'grad_max/target':>19s} "
        f"{'last_step_s':>11s}  updated"
    )
    lines = [header]
    for r in rows:
        rms = (
            f"{r['gradient_rms_hartree_per_bohr']:.1e}/{r['target_gradient_rms_hartree_per_bohr']:.1e}"
            if r.get("gradient_rms_hartree_per_bohr") is not None
            else ""
        )
        gmax = (
            f"{r['gradient_max_hartree_per_bohr']:.1e}/{r['target_gradient_max_hartree_per_bohr']:.1e}"
            if r.get("gradient_max_hartree_per_bohr") is not None
            else ""
        )
        lines.append(
            f"{r['level']:<8s} {r['species']:<20s} {r['stage']:<5s} {r['stage_level']:<14s} "
            f"{r['state']:<10s} {r['gradients']:>5d} {_fmt(r.get('energy_hartree'), '16.8f'):>16s} "
            f"{_fmt(r.get('last_delta_energy_hartree'), '+15.2e'):>15s} {rms:>19s} {gmax:>19s} "
            f"{_fmt(r.get('last_step_s'), '11.1f'):>11s}  {r.get('updated') or ''}"
        )
    by_species: dict[tuple[str, str], list[str]] = {}
    for r in rows:
        by_species.setdefault((r["level"], r["species"]), []).append(r["state"])
    finished = sum(states[-1] in ("done", "screened out") for states in by_species.values())
    stopped = sum("checkpoint" in states for states in by_species.values())
    lines.append(
        f"{finished} of {len(by_species)} optimizations finished, {stopped} with a checkpoint "
        "(running now, or resumed from it by the next snakemake run)"
    )
    return lines
