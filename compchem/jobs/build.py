"""Jobs before any DFT: the starting structure of a species (built or taken from the content cache),
the starting structure of each searched pose of a cluster, and the choice of a cluster's record among
its DFT-optimized poses (all poses, or the one pose that survived screening at the preopt level)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

import numpy as np

from compchem import CALC_CODE_VERSION
from compchem.artifacts import ABSENT, BuildRecord, PoseSummary, read_artifact
from compchem.chem import pose_name
from compchem.errors import InputError
from compchem.held import from_definition
from compchem.io.xyz import format_xyz
from compchem.jobs.common import log, write_outputs
from compchem.logs import job_log
from compchem.models import LevelOfTheory
from compchem.records import Cache, write_json_atomic, write_text_atomic

#: Bumped when the structure builder changes what it produces (part of the build cache key only, so
#: rebuilt structures do not invalidate DFT results of structures that did not change).
BUILD_CODE_VERSION = "3"  # 3: Zn-bound linkers keep the metal in wrapped poses; crowded clusters draw on


def build_structure(definition: dict[str, Any]) -> dict[str, Any]:
    """Starting structure of one species from its plan definition (see ``Plan.species_definition``)."""
    from compchem.build.cluster import LigandInput, build_ion, build_ligand
    from compchem.build.poses import build_cluster

    kind = definition["kind"]
    if kind == "ion":
        return build_ion(definition["symbol"], definition["charge"], definition["multiplicity"])
    b = definition["build"]
    if kind == "ligand" and "geometry" in definition:
        return curated_ligand(definition)
    if kind == "ligand":
        return build_ligand(
            definition["name"],
            definition["smiles"],
            definition["charge"],
            multiplicity=definition["multiplicity"],
            seed=b["seed"],
            n_conformers=b["n_conformers"],
            n_candidates=b["ligand_candidates"],
            preopt_method=b["preopt_method"],
            held_distances=from_definition(definition),
        )
    ligands = [
        LigandInput(lig["name"], lig["smiles"], lig["charge"], from_definition(lig))
        for lig in definition["ligands"]
    ]
    return build_cluster(
        definition["ion_symbol"],
        definition["ion_charge"],
        ligands,
        multiplicity=definition["multiplicity"],
        seed=b["seed"],
        n_conformers=b["n_conformers"],
        n_candidates=b["n_candidates"],
        preopt_method=b["preopt_method"],
        max_denticity=b["max_denticity"],
        n_poses=b["n_poses"],
        label=definition["name"],
        pi_sites=b.get("pi_sites", False),
        motif_poses=b.get("motif_poses", False),
    )


def curated_ligand(definition: dict[str, Any]) -> dict[str, Any]:
    """A free ligand at its curated starting geometry (no conformer search, no pre-optimization)."""
    geometry = definition["geometry"]
    symbols = list(geometry["symbols"])
    log.info("%s: curated starting geometry (%d atoms) used as given", definition["name"], len(symbols))
    return {
        "symbols": symbols,
        "coordinates_angstrom": geometry["coordinates_angstrom"],
        "fragments": [{"name": definition["name"], "atom_indices": list(range(len(symbols)))}],
        "charge": definition["charge"],
        "multiplicity": definition["multiplicity"],
        "contacts": [],
        "preopt_method": "curated",
        "preopt_energy_hartree": float("nan"),
        "candidates": [],
    }


def build_cache_key(definition: dict[str, Any]) -> str:
    """Content key of a species' starting structure: its definition without the name (two species
    built alike share one entry), the calculation code version and ``BUILD_CODE_VERSION``."""
    return hashlib.sha256(
        json.dumps(
            {
                "definition": {k: v for k, v in definition.items() if k != "name"},
                "code_version": CALC_CODE_VERSION,
                "build_version": BUILD_CODE_VERSION,
            },
            sort_keys=True,
        ).encode()
    ).hexdigest()


def build_structure_job(
    definition: dict[str, Any],
    xyz_path: str,
    build_path: str,
    cache_dir: str | None = None,
    log_path: str | None = None,
) -> None:
    """Build (or take from the content cache) the starting structure of a species and write
    ``<species>.xyz`` and ``<species>.build.json``."""
    with job_log(log_path):
        key = build_cache_key(definition)
        cache = Cache(cache_dir) if cache_dir else None
        built = cache.get(key, "build") if cache is not None else None
        # a cached build implies a cache
        if cache is not None and built is not None and _lacks_pose_coordinates(built, definition):
            built = _add_pose_coordinates(built, build_structure(definition), definition["name"])
            cache.put(key, "build", built, overwrite=True)
        elif cache is not None and built is not None:
            log.info("%s: reusing cached structure %s", definition["name"], cache.path(key, "build"))
        else:
            log.info("%s: building %s structure", definition["name"], definition["kind"])
            built = build_structure(definition)
            built["build_hash"] = key
            if cache is not None:
                cache.put(key, "build", built, overwrite=False)
        record = dataclasses.replace(
            BuildRecord.from_dict(built, source=build_path), name=definition["name"], definition=definition
        )
        write_json_atomic(build_path, record.to_dict())
        write_text_atomic(
            xyz_path,
            format_xyz(
                record.symbols, record.coordinates_angstrom, f"{definition['name']} starting structure"
            ),
        )


def _lacks_pose_coordinates(built: dict[str, Any], definition: dict[str, Any]) -> bool:
    """A cluster build cached before the poses' coordinates were stored (only pose 0 had them).
    A free ligand's candidates are conformers that never go to DFT and carry no coordinates."""
    return definition["kind"] == "cluster" and any(
        "coordinates_angstrom" not in c for c in built.get("candidates", [])
    )


def _add_pose_coordinates(cached: dict[str, Any], fresh: dict[str, Any], name: str) -> dict[str, Any]:
    """Give an older cached cluster build the coordinates of its searched poses by repeating the
    (seeded) search. Pose 0 keeps the cached coordinates, so DFT results computed from it keep their
    content hashes; the other poses come from the new search, which must reproduce pose 0."""
    old = np.asarray(cached["coordinates_angstrom"], dtype=float)
    new = np.asarray(fresh["coordinates_angstrom"], dtype=float)
    deviation = float(np.abs(old - new).max()) if old.shape == new.shape else float("inf")
    if deviation > 0.05:
        log.warning(
            "%s: repeated pose search does not reproduce the cached pose 0 (max deviation %.3g Å); "
            "using the new search for every pose",
            name,
            deviation,
        )
        return {**fresh, "build_hash": cached.get("build_hash")}
    log.info(
        "%s: cached structure upgraded with the coordinates of %d searched pose(s) "
        "(repeated search reproduces pose 0 within %.2g Å; pose 0 keeps its cached coordinates)",
        name,
        len(fresh["candidates"]),
        deviation,
    )
    candidates = [dict(c) for c in fresh["candidates"]]
    if candidates:
        candidates[0]["coordinates_angstrom"] = cached["coordinates_angstrom"]
    return {**cached, "candidates": candidates}


def pose_count(build_path: str, requested: int) -> int:
    """How many poses of a built cluster go to DFT: ``requested``, or fewer if the search found
    fewer distinct ones (at least 1: the cluster's own structure)."""
    return max(1, min(requested, len(read_artifact(BuildRecord, build_path).search_candidates)))


def pose_structure_job(
    build_path: str, k: int, xyz_path: str, pose_build_path: str, log_path: str | None = None
) -> None:
    """Starting structure of pose ``k`` of a built cluster, written like a species of its own
    (``<cluster>.pose<k>.build.json`` and ``.xyz``) so that every DFT backend runs it unchanged."""
    with job_log(log_path):
        _pose_structure(build_path, k, xyz_path, pose_build_path)


def _pose_candidate(built: BuildRecord, k: int, build_path: str) -> tuple[Any, dict[str, Any]]:
    """Coordinates and search candidate of pose ``k`` of a built cluster (pose 0: the build's own)."""
    candidates = built.search_candidates
    if k == 0:
        return built.coordinates_angstrom, candidates[0] if candidates else {}
    if k < len(candidates) and "coordinates_angstrom" in candidates[k]:
        return candidates[k]["coordinates_angstrom"], candidates[k]
    if k < len(candidates):
        raise InputError(
            f"{build_path} predates stored pose coordinates; rebuild it "
            "(snakemake --forcerun build_structure) to upgrade its cache entry"
        )
    raise InputError(f"{built.species}: pose {k} requested, the search kept {len(candidates)}")


def pose_build(built: BuildRecord, k: int, build_path: str) -> BuildRecord:
    """The build of pose ``k`` of a built cluster: the cluster's build with the pose's structure,
    contacts and pre-optimization, without the cluster's search (an empty ``candidates`` list)."""
    from compchem.build.poses import candidate_contacts

    coords, cand = _pose_candidate(built, k, build_path)
    return dataclasses.replace(
        built,
        name=pose_name(built.species, k),
        cluster=built.species,
        pose_rank=k,
        coordinates_angstrom=coords,
        contacts=candidate_contacts(cand) or built.contacts,
        preopt_method=cand.get("preopt_method", built.preopt_method),
        preopt_energy_hartree=cand.get("preopt_energy_hartree", built.preopt_energy_hartree),
        preopt_relative_energy_ev=cand.get("relative_energy_ev", 0.0),
        motif=cand.get("motif"),
        candidates=[],
        pose_search=ABSENT,
    )


def _pose_structure(build_path: str, k: int, xyz_path: str, pose_build_path: str) -> None:
    built = read_artifact(BuildRecord, build_path)
    pose = pose_build(built, k, build_path)
    write_json_atomic(pose_build_path, pose.to_dict())
    write_text_atomic(
        xyz_path,
        format_xyz(
            built.symbols,
            pose.coordinates_angstrom,
            f"{pose.name} starting structure (pose {k} of {built.species})",
        ),
    )
    log.info(
        "%s: pose %d of %s, %s %+.3f eV above the best, CN %d (%s)",
        pose.name,
        k,
        built.species,
        pose.preopt_method,
        pose.preopt_relative_energy_ev,
        len(pose.contacts),
        ", ".join(
            f"{c['fragment']}:{c['element']}{c['atom']} {c['distance_angstrom']:.2f} Å" for c in pose.contacts
        ),
    )


def select_pose_job(
    cluster: str,
    record_paths: list[str],
    pose_build_paths: list[str],
    record_path: str,
    xyz_path: str,
    poses_path: str,
    log_path: str | None = None,
) -> None:
    """The cluster's record is its lowest-energy converged DFT pose; ``poses_path`` keeps every
    pose's energy, its pre-optimization rank and energy, and the spread (SCIENCE.md §3)."""
    from compchem.analysis.poses import format_poses, summarize_poses
    from compchem.records import read_record

    with job_log(log_path):
        builds = [read_artifact(BuildRecord, p) for p in pose_build_paths]
        ranks = [int(b.rank) for b in builds]
        records = {k: read_record(p) for k, p in zip(ranks, record_paths, strict=True)}
        # summarize_poses reads the builds' optional keys as a mapping (``.get``)
        summary = PoseSummary.from_dict(
            summarize_poses(cluster, records, {k: b.to_dict() for k, b in zip(ranks, builds, strict=True)}),
            source=poses_path,
        )
        for line in format_poses(summary.to_dict()):
            log.info("%s", line)
        write_json_atomic(poses_path, summary.to_dict())
        best = records[summary.selected_pose]
        write_outputs(
            dataclasses.replace(best, label=cluster),
            LevelOfTheory.from_record(best.level),
            record_path,
            xyz_path,
        )


def select_screened_pose_job(
    cluster: str,
    screening_path: str,
    best_record_path: str,
    record_path: str,
    xyz_path: str,
    poses_path: str,
    log_path: str | None = None,
) -> None:
    """Pose screening (config ``pose_screening``): the poses were ranked at the screening level (the
    level's preopt or geometry level, or the level named for it; ``screening_path``, that level's
    ``poses/<cluster>.json``) and only the best was computed at this level (``best_record_path``); it
    is the cluster's record."""
    from compchem.records import read_record

    with job_log(log_path):
        screening = read_artifact(PoseSummary, screening_path)
        best = read_record(best_record_path)
        summary = dataclasses.replace(
            screening, level_energy_hartree=best.energy_hartree, level=best.level.get("name")
        )
        log.info(
            "%s: %d pose(s) ranked at '%s' (spread %.3f eV); pose %d optimized at '%s': E = %.8f Ha",
            cluster,
            screening.n_poses,
            screening.ranked_at_level,
            screening.energy_spread_ev,
            screening.selected_pose,
            summary.level,
            best.energy_hartree,
        )
        write_json_atomic(poses_path, summary.to_dict())
        write_outputs(
            dataclasses.replace(best, label=cluster),
            LevelOfTheory.from_record(best.level),
            record_path,
            xyz_path,
        )
