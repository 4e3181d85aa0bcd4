"""One function per workflow step. Snakemake's adapters in ``workflow/scripts`` only unpack
``snakemake.*`` and call these, so every step runs and is tested without Snakemake."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from compchem import CALC_CODE_VERSION
from compchem.chem import pose_name
from compchem.errors import InputError
from compchem.io.xyz import format_xyz
from compchem.logs import job_log
from compchem.models import CalcResult, CalcSpec, LevelOfTheory, Resources, cavity_radii
from compchem.records import Cache, read_json, write_json_atomic, write_record, write_text_atomic

log = logging.getLogger(__name__)


@contextlib.contextmanager
def script_errors() -> Iterator[None]:
    """Around a job called from a Snakemake adapter: a project error ends the job with its one-line
    message (``compchem: error: ...``, naming the file or entry at fault) instead of a traceback; the
    job's log holds the same line (``compchem.logs.job_log``). SIGTERM becomes a
    ``JobInterruptedError`` the same way."""
    import signal

    from compchem.errors import CompchemError, JobInterruptedError

    def stop(signum: int, frame: object) -> None:
        raise JobInterruptedError(
            f"stopped by {signal.Signals(signum).name} (scancel, a time limit, preemption or a shutdown); "
            "the checkpoint of the last finished step is kept and a rerun resumes from it"
        )

    # SLURM sends SIGTERM, then SIGKILL after its KillWait: end inside Python, so that the job's log
    # says why and the interrupted run's log is kept for the rerun (``kept_log``)
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    except CompchemError as exc:
        raise SystemExit(f"compchem: error: {exc}") from None
    finally:
        signal.signal(signal.SIGTERM, previous)


#: Bumped when the structure builder changes what it produces (part of the build cache key only, so
#: rebuilt structures do not invalidate DFT results of structures that did not change).
BUILD_CODE_VERSION = "2"


def build_structure(definition: dict[str, Any]) -> dict[str, Any]:
    """Starting structure of one species from its plan definition (see ``Plan.species_definition``)."""
    from compchem.build.cluster import LigandInput, build_cluster, build_ion, build_ligand

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
        )
    ligands = [LigandInput(lig["name"], lig["smiles"], lig["charge"]) for lig in definition["ligands"]]
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
        key = hashlib.sha256(
            json.dumps(
                {
                    "definition": {k: v for k, v in definition.items() if k != "name"},
                    "code_version": CALC_CODE_VERSION,
                    "build_version": BUILD_CODE_VERSION,
                },
                sort_keys=True,
            ).encode()
        ).hexdigest()
        cache = Cache(cache_dir) if cache_dir else None
        built = cache.get(key, "build") if cache else None
        if built is not None and _lacks_pose_coordinates(built, definition):
            built = _add_pose_coordinates(built, build_structure(definition), definition["name"])
            cache.put(key, "build", built, overwrite=True)
        elif built is not None:
            log.info("%s: reusing cached structure %s", definition["name"], cache.path(key, "build"))
        else:
            log.info("%s: building %s structure", definition["name"], definition["kind"])
            built = build_structure(definition)
            built["build_hash"] = key
            if cache:
                cache.put(key, "build", built, overwrite=False)
        built = {**built, "name": definition["name"], "definition": definition}
        write_json_atomic(build_path, built)
        write_text_atomic(
            xyz_path,
            format_xyz(
                built["symbols"], built["coordinates_angstrom"], f"{definition['name']} starting structure"
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
    return max(1, min(requested, len(read_json(build_path, "build").get("candidates", []))))


def pose_structure_job(
    build_path: str, k: int, xyz_path: str, pose_build_path: str, log_path: str | None = None
) -> None:
    """Starting structure of pose ``k`` of a built cluster, written like a species of its own
    (``<cluster>.pose<k>.build.json`` and ``.xyz``) so that every DFT backend runs it unchanged."""
    with job_log(log_path):
        _pose_structure(build_path, k, xyz_path, pose_build_path)


def _pose_structure(build_path: str, k: int, xyz_path: str, pose_build_path: str) -> None:
    from compchem.build.poses import candidate_contacts

    built = read_json(build_path, "build")
    name = pose_name(built["name"], k)
    candidates = built.get("candidates", [])
    if k == 0:
        coords = built["coordinates_angstrom"]
        cand = candidates[0] if candidates else {}
    elif k < len(candidates) and "coordinates_angstrom" in candidates[k]:
        cand = candidates[k]
        coords = cand["coordinates_angstrom"]
    elif k < len(candidates):
        raise InputError(
            f"{build_path} predates stored pose coordinates; rebuild it "
            "(snakemake --forcerun build_structure) to upgrade its cache entry"
        )
    else:
        raise InputError(f"{built['name']}: pose {k} requested, the search kept {len(candidates)}")
    contacts = candidate_contacts(cand) or built.get("contacts", [])
    pose = {
        **{key: v for key, v in built.items() if key not in ("candidates", "pose_search")},
        "name": name,
        "cluster": built["name"],
        "pose_rank": k,
        "coordinates_angstrom": coords,
        "contacts": contacts,
        "preopt_method": cand.get("preopt_method", built.get("preopt_method")),
        "preopt_energy_hartree": cand.get("preopt_energy_hartree", built.get("preopt_energy_hartree")),
        "preopt_relative_energy_ev": cand.get("relative_energy_ev", 0.0),
        "motif": cand.get("motif"),
        "candidates": [],
    }
    write_json_atomic(pose_build_path, pose)
    write_text_atomic(
        xyz_path,
        format_xyz(built["symbols"], coords, f"{name} starting structure (pose {k} of {built['name']})"),
    )
    log.info(
        "%s: pose %d of %s, %s %+.3f eV above the best, CN %d (%s)",
        name,
        k,
        built["name"],
        pose["preopt_method"],
        pose["preopt_relative_energy_ev"],
        len(contacts),
        ", ".join(
            f"{c['fragment']}:{c['element']}{c['atom']} {c['distance_angstrom']:.2f} Å" for c in contacts
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
        builds = [read_json(p, "build") for p in pose_build_paths]
        ranks = [int(b["pose_rank"]) for b in builds]
        records = {k: read_record(p) for k, p in zip(ranks, record_paths, strict=True)}
        summary = summarize_poses(cluster, records, dict(zip(ranks, builds, strict=True)))
        for line in format_poses(summary):
            log.info("%s", line)
        write_json_atomic(poses_path, summary)
        best = records[summary["selected_pose"]]
        _write_outputs(
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
    """Pose screening (config ``pose_screening: preopt_level``): the poses were ranked at the level's
    preopt level (``screening_path``, that level's ``poses/<cluster>.json``) and only the best was
    optimized at this level (``best_record_path``); it is the cluster's record."""
    from compchem.records import read_record

    with job_log(log_path):
        screening = read_json(screening_path, "poses")
        best = read_record(best_record_path)
        k = screening["selected_pose"]
        summary = {**screening, "level_energy_hartree": best.energy_hartree, "level": best.level.get("name")}
        log.info(
            "%s: %d pose(s) ranked at '%s' (spread %.3f eV); pose %d optimized at '%s': E = %.8f Ha",
            cluster,
            screening["n_poses"],
            screening["ranked_at_level"],
            screening["energy_spread_ev"],
            k,
            summary["level"],
            best.energy_hartree,
        )
        write_json_atomic(poses_path, summary)
        _write_outputs(
            dataclasses.replace(best, label=cluster),
            LevelOfTheory.from_record(best.level),
            record_path,
            xyz_path,
        )


def spec_from_build(build_path: str, level: dict[str, Any], task: str = "optimize") -> CalcSpec:
    """The CalcSpec of a built species (``<species>.build.json``) at a level given as a mapping."""
    built = read_json(build_path, "build")
    level_obj = LevelOfTheory.from_record(level)
    return CalcSpec(
        symbols=tuple(built["symbols"]),
        coordinates_angstrom=tuple(tuple(map(float, r)) for r in built["coordinates_angstrom"]),
        charge=int(built["charge"]),
        multiplicity=int(built["multiplicity"]),
        level=level_obj,
        task=task,
        label=built["name"],
        fragments=tuple((f["name"], tuple(f["atom_indices"])) for f in built["fragments"]),
    )


def _write_outputs(result: CalcResult, level: LevelOfTheory, record_path: str, xyz_path: str) -> None:
    write_record(record_path, result)
    comment = f"{result.label} {level.describe()} E={result.energy_hartree:.10f} Ha"
    write_text_atomic(xyz_path, format_xyz(result.symbols, result.coordinates_angstrom, comment))


def optimize_job(
    build_path: str,
    level: dict[str, Any],
    record_path: str,
    xyz_path: str,
    threads: int = 1,
    memory_mb: int = 4000,
    cache_dir: str | None = None,
    log_path: str | None = None,
    task: str = "optimize",
) -> None:
    """Optimize one species at one level (resuming from a checkpoint if one exists), write its
    JSON record and its optimized geometry (.xyz)."""
    from compchem.backends.base import run_cached

    spec = spec_from_build(build_path, level, task)
    cache = Cache(cache_dir) if cache_dir else None
    keep = cache is not None and log_path is not None
    if keep:
        # logs of interrupted runs kept under a key this spec reuses (a level loosened since)
        keys = spec.reusable_keys()
        log_key = next((k for k in keys if cache.unfinished_log_path(k).exists()), keys[0])
    with (
        kept_log(cache, log_key, log_path) if keep else contextlib.nullcontext(),
        job_log(log_path) as stream,
    ):
        result = run_cached(spec, Resources(threads=threads, memory_mb=memory_mb), cache, stream)
    if keep:
        archive_log(cache, result.spec_hash, log_path)
    _write_outputs(result, spec.level, record_path, xyz_path)


#: Seconds between copies of a running optimization's log into the cache (``kept_log``).
LOG_COPY_INTERVAL_S = 10.0


@contextlib.contextmanager
def kept_log(
    cache: Cache, key: str, log_path: str, interval_s: float = LOG_COPY_INTERVAL_S
) -> Iterator[None]:
    """Keep the logs of interrupted runs of one job and hand them to the run that finishes it.

    Snakemake empties a job's log when it starts the job again, so the log of a run that was killed
    (node failure, time limit, end of a session) would be lost although its steps live on in the
    checkpoint. While the job runs, its log is copied every ``interval_s`` seconds (a background
    thread; a SIGKILL loses at most that much) to ``Cache.unfinished_log_path(key)``, after the logs
    of earlier interrupted runs. When the job finishes, the job log is rewritten as all runs in order
    and the unfinished copy is removed; when it fails, the copy stays for the next run.
    """
    unfinished = cache.unfinished_log_path(key)
    earlier = unfinished.read_text(errors="replace") if unfinished.exists() else ""
    header = f"\n==== run started {time.strftime('%Y-%m-%d %H:%M:%S')} on {socket.gethostname()} ====\n"
    stop = threading.Event()

    def copy() -> None:
        with contextlib.suppress(OSError):
            write_text_atomic(unfinished, earlier + header + Path(log_path).read_text(errors="replace"))

    def loop() -> None:
        while not stop.wait(interval_s):
            copy()

    thread = threading.Thread(target=loop, name="kept-log", daemon=True)
    thread.start()
    finished = False
    try:
        yield
        finished = True
    finally:
        stop.set()
        thread.join()
        if not finished:
            copy()
        else:
            if earlier:
                text = Path(log_path).read_text(errors="replace")
                write_text_atomic(Path(log_path), earlier + header + text)
            unfinished.unlink(missing_ok=True)


def archive_log(cache: Cache, key: str, log_path: str) -> None:
    """Keep the log of the run that computed a result next to its cached record, and give it back
    when a later job only reuses the record: Snakemake truncates a rule's log on every rerun, so
    without this a rerun (new machine, changed params) would erase how the result was computed."""
    archived = cache.log_path(key)
    text = Path(log_path).read_text()
    if archived.exists() and len(archived.read_text()) > len(text):
        with open(log_path, "a") as stream:
            stream.write(f"\n==== log of the run that computed this result ({archived}) ====\n")
            stream.write(archived.read_text())
    else:
        write_text_atomic(archived, text)


def composite_single_point_spec(spec: CalcSpec, geometry_record: str | None) -> CalcSpec:
    """The single point of composite spec ``spec`` (level ``B//A``): B, task energy, at the geometry of
    ``geometry_record`` (the species' optimized record at A)."""
    from compchem.records import read_record

    if geometry_record is None:
        raise InputError(f"{spec.label}: composite level '{spec.level.name}' needs its geometry record")
    opt = read_record(geometry_record)
    if tuple(opt.symbols) != spec.symbols:
        raise InputError(f"{spec.label}: the geometry record {geometry_record} holds other atoms")
    return dataclasses.replace(opt.spec_at(spec.level.single_point_level(), "energy"), label=spec.label)


def gaussian_input_job(
    build_path: str,
    level: dict[str, Any],
    gjf_path: str,
    threads: int = 1,
    memory_mb: int = 4000,
    geometry_record: str | None = None,
) -> None:
    """Write the Gaussian input (.gjf) of one species; %nprocshared/%mem from the job's resources. At a
    composite level ``B//A`` it is B's single point at the geometry of ``geometry_record`` (the
    species' record at A)."""
    from compchem.backends.gaussian import input_text

    spec = spec_from_build(build_path, level)
    if spec.level.geometry is not None:
        spec = composite_single_point_spec(spec, geometry_record)
    chk = Path(gjf_path).with_suffix(".chk").name
    write_text_atomic(gjf_path, input_text(spec, Resources(threads=threads, memory_mb=memory_mb), chk))


def gaussian_run_job(
    command: str | None, gjf_path: str, output_path: str, log_path: str | None = None
) -> None:
    """Run Gaussian on one input with the configured command (or explain how to run it by hand)."""
    from compchem.backends.gaussian import execute

    with job_log(log_path):
        wall = execute(command, gjf_path, output_path)
        log.info("Gaussian finished normally in %.1f s: %s", wall, output_path)


def gaussian_parse_job(
    build_path: str,
    level: dict[str, Any],
    output_path: str,
    record_path: str,
    xyz_path: str,
    cache_dir: str | None = None,
    log_path: str | None = None,
    geometry_record: str | None = None,
) -> None:
    """Parse one Gaussian output into the same JSON record and .xyz as the PySCF path. At a composite
    level ``B//A`` the output is B's single point at the geometry of ``geometry_record`` (the species'
    record at A), and the record combines the two as the PySCF path does."""
    from compchem.backends.base import composite_result
    from compchem.backends.gaussian import read_result
    from compchem.records import read_record

    spec = spec_from_build(build_path, level)
    with job_log(log_path):
        if spec.level.geometry is not None:
            point = composite_single_point_spec(spec, geometry_record)
            single_point = read_result(point, Path(output_path).read_text())
            result = composite_result(spec, read_record(geometry_record), single_point)
            if cache_dir:
                Cache(cache_dir).put(point.content_hash(), "record", single_point.to_dict(), overwrite=False)
        else:
            result = read_result(spec, Path(output_path).read_text())
        if cache_dir:
            Cache(cache_dir).put(spec.content_hash(), "record", result.to_dict(), overwrite=False)
        log.info(
            "%s: Gaussian E=%.10f Ha, converged=%s, %d steps",
            spec.label,
            result.energy_hartree,
            result.converged,
            result.n_opt_steps,
        )
    _write_outputs(result, spec.level, record_path, xyz_path)


def binding_table_job(
    record_paths: dict[str, str],
    clusters: list[dict[str, Any]],
    ion: str,
    level_name: str,
    csv_path: str,
    md_path: str,
    json_path: str,
    geometry_dir: str,
    log_path: str | None = None,
    exchanges: list[dict[str, Any]] | None = None,
    exchange_csv_path: str | None = None,
    thermo_paths: dict[str, str] | None = None,
    counterpoise_paths: dict[str, str] | None = None,
    pose_paths: dict[str, str] | None = None,
    solvent_paths: dict[str, str] | None = None,
    scan_csv_path: str | None = None,
) -> None:
    """Binding-energy and exchange tables from the records only (CSV, Markdown, JSON), and the
    temperature scan of ΔH/ΔG when the thermo files have one."""
    from compchem.analysis.binding import binding_rows, exchange_rows, thermo_scan_rows, write_tables
    from compchem.records import read_record

    with job_log(log_path):
        records = {name: read_record(path) for name, path in record_paths.items()}
        thermo = {name: read_json(path, "thermo") for name, path in (thermo_paths or {}).items()}
        counterpoise = {
            name: read_json(path, "counterpoise") for name, path in (counterpoise_paths or {}).items()
        }
        poses = {name: read_json(path, "poses") for name, path in (pose_paths or {}).items()}
        solvent = {name: read_json(path, "solvent") for name, path in (solvent_paths or {}).items()}
        rows = binding_rows(
            records,
            clusters,
            ion,
            geometry_dir=Path(geometry_dir),
            thermo=thermo,
            counterpoise=counterpoise,
            poses=poses,
            solvent=solvent,
        )
        ex_rows = exchange_rows(records, exchanges or [], thermo, solvent)
        scan = thermo_scan_rows(clusters, ion, exchanges or [], thermo)
        write_tables(
            rows,
            level_name,
            records,
            csv_path,
            md_path,
            json_path,
            ex_rows,
            exchange_csv_path,
            scan=scan,
            scan_csv_path=scan_csv_path,
        )
        log.info("wrote %d binding rows to %s and %d exchange rows", len(rows), csv_path, len(ex_rows))


def plots_job(
    table_json: str,
    record_paths: dict[str, str],
    bar_paths: list[str],
    summary_path: str,
    log_path: str | None = None,
    series: dict[str, list[list[Any]]] | None = None,
    series_paths: list[str] | None = None,
) -> None:
    """Bar plot of E_bind next to the paper's values and the run summary page."""
    from compchem.records import read_record
    from compchem.report.plots import plot_binding, plot_series, summary_html

    with job_log(log_path):
        table = read_json(table_json)
        records = {name: read_record(path) for name, path in record_paths.items()}
        level = LevelOfTheory.from_record(table["level_settings"])
        plot_binding(table["rows"], level.describe(), bar_paths)
        for (name, members), path in zip((series or {}).items(), series_paths or [], strict=True):
            plot_series(table["rows"], name, [(int(n), c) for n, c in members], path)
        write_text_atomic(
            summary_path,
            summary_html(
                table["level"], records, table["rows"], table.get("exchanges"), table.get("temperature_scan")
            ),
        )
        log.info("wrote %s and %s", bar_paths, summary_path)


def render_structure_job(record_path: str, png_path: str, log_path: str | None = None) -> None:
    """3D picture of one optimized structure."""
    from compchem.records import read_record
    from compchem.report.plots import render_cluster

    with job_log(log_path):
        record = read_record(record_path)
        render_cluster(record, png_path, f"{record.label} (E = {record.energy_hartree:.6f} Ha)")


#: The ``thermo`` settings a thermo job uses (the frequencies level is passed on its own): switching
#: counterpoise or implicit-solvent single points on or off reruns no frequency job.
THERMO_JOB_SETTINGS = (
    "temperature_k",
    "pressure_atm",
    "qrrho",
    "standard_state",
    "max_imaginary_tries",
    "frequencies_geometry",
    "temperature_scan_k",
)


def thermo_job(
    record_path: str,
    level: dict[str, Any],
    settings: dict[str, Any],
    out_path: str,
    threads: int = 1,
    memory_mb: int = 4000,
    cache_dir: str | None = None,
    log_path: str | None = None,
    frequencies_level: dict[str, Any] | None = None,
) -> None:
    """Frequencies of one optimized species (displacing and re-optimizing along imaginary modes,
    at most ``settings['max_imaginary_tries']`` times), then ZPE, H(T) and G(T).

    With ``frequencies_level`` (a level dict, config ``thermo.frequencies_level``; ``backend: xtb`` for
    GFN-xTB through tblite) the species is first re-optimized at that level from its ``level`` geometry,
    its frequencies are computed there, and the thermal corrections are added to the record's electronic
    energy at ``level``: the composite E(level) + corrections(frequencies_level) scheme. Without it,
    everything is at ``level``; at a composite level ``B//A`` the frequencies are A's. With
    ``settings['frequencies_geometry'] == 'run_level'`` the composite
    scheme skips the re-optimization: the Hessian at the frequencies level is taken at the ``level``
    geometry as it is (no displacement loop either), which keeps the run level's coordination; imaginary
    modes there are reported and left out of the sums.
    """
    import dataclasses

    from compchem.analysis.parity import geometry_change
    from compchem.backends import xtb
    from compchem.backends.base import run_cached
    from compchem.backends.pyscf_hessian import ensure_minimum
    from compchem.records import read_record
    from compchem.thermo import thermochemistry

    record = read_record(record_path)
    level_obj = LevelOfTheory.from_record(level)
    if frequencies_level is None and level_obj.geometry is not None:
        # a composite run level B//A: its geometries are minima of A, so the frequencies are A's and
        # their corrections go on B's single-point energies (the usual B//A thermochemistry)
        frequencies_level = level_obj.geometry.to_dict()
    composite = frequencies_level is not None
    at_run_geometry = composite and settings.get("frequencies_geometry") == "run_level"
    resources = Resources(threads=threads, memory_mb=memory_mb)
    cache = Cache(cache_dir) if cache_dir else None
    if composite and frequencies_level.get("backend") == "xtb":
        method = frequencies_level["method"]
        freq_name, freq_settings, spec_level = method, dict(frequencies_level), level_obj
        freq_calls: dict[str, Any] = {
            "frequencies": lambda s: xtb.xtb_frequencies(s, method),
            "single_point": lambda s: xtb.xtb_energy(s, method),
        }
    else:
        freq_obj = LevelOfTheory.from_record(frequencies_level) if composite else level_obj
        freq_name, freq_settings, spec_level = freq_obj.name, freq_obj.to_dict(), freq_obj
        freq_calls = {}
    spec = record.spec_at(spec_level.without_preopt(), "optimize")

    def optimize(s: CalcSpec) -> CalcResult:
        if freq_calls:
            return xtb.xtb_optimize(s, freq_name)
        return run_cached(s, resources, cache, stream)

    with job_log(log_path) as stream:
        if at_run_geometry and len(record.symbols) > 1:
            log.info(
                "%s: %s Hessian at the %s geometry, not re-optimized (not a stationary point there)",
                record.label,
                freq_name,
                level_obj.name,
            )
        elif composite and len(record.symbols) > 1:
            # the record is a stationary point at `level`, not at the frequencies level: relax it there
            log.info("%s: re-optimizing at %s for its frequencies", record.label, freq_name)
            relaxed = optimize(spec)
            if not relaxed.converged:
                hint = "" if freq_calls else "; raise its opt_maxsteps"
                raise InputError(
                    f"{record.label}: the optimization at the frequencies level {freq_name} did not "
                    f"converge in {relaxed.n_opt_steps} steps{hint}"
                )
            spec = dataclasses.replace(
                spec, coordinates_angstrom=tuple(map(tuple, relaxed.coordinates_angstrom))
            )
        if len(record.symbols) == 1:
            minimum: dict[str, Any] = {
                "energy_hartree": record.energy_hartree,
                "is_minimum": True,
                "n_imaginary": 0,
                "frequencies": {"frequencies_cm1": []},
                "coordinates_angstrom": record.coordinates_angstrom,
            }
            history: list[dict[str, Any]] = []
        else:
            minimum, history = ensure_minimum(
                spec,
                resources,
                optimize,
                # at the run-level geometry the structure must stay where it is: no displacements
                max_tries=0 if at_run_geometry else settings["max_imaginary_tries"],
                cache=cache,
                stream=stream,
                **freq_calls,
            )
        moved: dict[str, Any] | None = None
        if composite and len(record.symbols) > 1:
            moved = geometry_change(
                list(record.symbols),
                record.fragments,
                np.asarray(record.coordinates_angstrom),
                np.asarray(minimum["coordinates_angstrom"]),
            )
            log.info(
                "%s: minimum at %s lies %.3f Å (RMSD) from the %s geometry",
                record.label,
                freq_name,
                moved["rmsd_angstrom"],
                level_obj.name,
            )
            if moved["coordination_kept"] is False:
                log.warning(
                    "%s: at %s the ion's donors changed (%d -> %d, RMSD %.3f Å): its thermal "
                    "corrections belong to another minimum than the %s one",
                    record.label,
                    freq_name,
                    moved["coordination_number_before"],
                    moved["coordination_number_after"],
                    moved["rmsd_angstrom"],
                    level_obj.name,
                )
        # composite: the electronic energy is the record's; only the corrections come from the
        # frequencies level
        electronic_hartree = record.energy_hartree if composite else minimum["energy_hartree"]

        def thermo_at(temperature_k: float) -> Any:
            return thermochemistry(
                record.symbols,
                minimum["coordinates_angstrom"],
                minimum["frequencies"]["frequencies_cm1"],
                electronic_hartree,
                multiplicity=record.multiplicity,
                temperature_k=temperature_k,
                pressure_atm=settings["pressure_atm"],
                qrrho=settings["qrrho"],
                standard_state=settings["standard_state"],
            )

        thermo = thermo_at(settings["temperature_k"])
        # thermo.temperature_scan_k: H(T) and G(T) at further temperatures from the same frequencies
        scan = [
            {
                "temperature_k": t.temperature_k,
                "enthalpy_hartree": t.enthalpy_hartree,
                "gibbs_hartree": t.gibbs_hartree,
                "thermal_correction_enthalpy_hartree": t.thermal_correction_enthalpy_hartree,
                "thermal_correction_gibbs_hartree": t.thermal_correction_gibbs_hartree,
            }
            for t in (thermo_at(float(k)) for k in settings.get("temperature_scan_k") or [])
        ]
        log.info(
            "%s: minimum=%s, ZPE=%.6f Ha, H corr=%.6f Ha, G corr=%.6f Ha at %.2f K",
            record.label,
            minimum["is_minimum"],
            thermo.zpe_hartree,
            thermo.thermal_correction_enthalpy_hartree,
            thermo.thermal_correction_gibbs_hartree,
            thermo.temperature_k,
        )
    freq = dict(minimum["frequencies"])
    freq.pop("hessian", None)
    freq.pop("normal_modes_cartesian", None)
    write_json_atomic(
        out_path,
        {
            "label": record.label,
            "level": level_obj.name,
            # the level of the frequencies, thermal corrections and the geometries below
            "frequencies_level": freq_name,
            "frequencies_level_settings": freq_settings,
            "composite": composite,
            # composite: "reoptimized" (frequencies at the frequencies level's own minimum) or
            # "run_level" (Hessian at the record's geometry)
            "frequencies_geometry": ("run_level" if at_run_geometry else "reoptimized")
            if composite
            else None,
            # at the frequencies level's minimum (composite: not the energy the corrections go on)
            "energy_hartree": minimum["energy_hartree"],
            "electronic_energy_hartree": electronic_hartree,
            "is_minimum": minimum["is_minimum"],
            "n_imaginary": minimum["n_imaginary"],
            "coordinates_angstrom": minimum["coordinates_angstrom"],
            "frequencies": freq,
            "imaginary_mode_history": history,
            # composite: how far the re-optimization at the frequencies level moved the structure
            "frequencies_geometry_change": moved,
            "thermo": dataclasses.asdict(thermo),
            "temperature_scan": scan,
            "settings": settings,
        },
    )


def solvated_level(gas: LevelOfTheory, solvent: dict[str, Any]) -> LevelOfTheory:
    """The gas-phase level ``gas`` in the implicit solvent of config ``thermo.solvent`` (model,
    dielectric constant, optional cavity radii), otherwise unchanged and without its pre-optimization
    stage; named ``<level>+<solvent name>``."""
    if gas.solvent_model:
        raise InputError(f"thermo.solvent: level '{gas.name}' is already an implicit-solvent level")
    return dataclasses.replace(
        gas.single_point_level(),
        name=f"{gas.name}+{solvent['name']}",
        solvent_model=solvent["model"],
        solvent_eps=float(solvent["eps"]),
        solvent_radii_angstrom=cavity_radii("thermo.solvent.radii_angstrom", solvent.get("radii_angstrom")),
    )


def solvent_single_point_job(
    record_path: str,
    level: dict[str, Any],
    solvent: dict[str, Any],
    out_path: str,
    threads: int = 1,
    memory_mb: int = 4000,
    cache_dir: str | None = None,
    log_path: str | None = None,
) -> None:
    """Implicit-solvent single point of one optimized species at its gas-phase geometry (config
    ``thermo.solvent``: ``name``, ``model`` pcm or ddcosmo, dielectric constant ``eps``, optional
    ``radii_angstrom`` cavity radii of some elements), at the record's level otherwise unchanged.
    Writes the solvated and the gas-phase energy and their difference (the solvation energy at fixed
    geometry, Hartree), and the cavity sphere radius of each element (Angstrom)."""
    from compchem.analysis.binding import medium_label
    from compchem.backends.base import run_cached
    from compchem.backends.pyscf_backend import cavity_radii_angstrom
    from compchem.records import read_record

    record = read_record(record_path)
    gas = LevelOfTheory.from_record(level)
    solvated = solvated_level(gas, solvent)
    cache = Cache(cache_dir) if cache_dir else None
    with job_log(log_path) as stream:
        spec = record.spec_at(solvated, "energy")
        radii = cavity_radii_angstrom(spec)
        log.info(
            "%s: cavity sphere radii (Å): %s", record.label, ", ".join(f"{el} {r}" for el, r in radii.items())
        )
        result = run_cached(spec, Resources(threads=threads, memory_mb=memory_mb), cache, stream)
        solvation = result.energy_hartree - record.energy_hartree
        log.info(
            "%s: %s single point at the %s geometry: E=%.10f Ha, solvation energy %.6f Ha",
            record.label,
            solvated.describe(),
            gas.name,
            result.energy_hartree,
            solvation,
        )
    write_json_atomic(
        out_path,
        {
            "label": record.label,
            "level": gas.name,
            "solvent": dict(solvent),
            "description": f"{medium_label(solvated.to_dict())} single point at the gas-phase "
            f"{gas.name} geometry",
            "energy_hartree": result.energy_hartree,
            "gas_energy_hartree": record.energy_hartree,
            "solvation_energy_hartree": solvation,
            "cavity_radii_angstrom": radii,
            "spec_hash": result.spec_hash,
            "gas_spec_hash": record.spec_hash,
            "wall_time_s": result.wall_time_s,
        },
    )
    if cache is not None and log_path is not None:
        archive_log(cache, result.spec_hash, log_path)


def counterpoise_job(
    cluster_record: str,
    relaxed_records: list[str],
    charges_mults: list[list[int]],
    level: dict[str, Any],
    out_path: str,
    threads: int = 1,
    memory_mb: int = 4000,
    cache_dir: str | None = None,
    log_path: str | None = None,
) -> None:
    """Boys–Bernardi counterpoise and ligand deformation energies of one cluster. ``relaxed_records``
    and ``charges_mults`` follow the cluster's fragments in atom order (the ion, then each ligand)."""
    from compchem.analysis.counterpoise import run_counterpoise
    from compchem.records import read_record

    complex_result = read_record(cluster_record)
    level_obj = LevelOfTheory.from_record(level)
    fragments = [(f["name"], list(f["atom_indices"])) for f in complex_result.fragments]
    if len(relaxed_records) != len(fragments) or len(charges_mults) != len(fragments):
        raise InputError(
            f"{complex_result.label}: {len(fragments)} fragments but {len(relaxed_records)} "
            f"relaxed records and {len(charges_mults)} charge/multiplicity pairs"
        )
    relaxed = [read_record(path) for path in relaxed_records]
    cache = Cache(cache_dir) if cache_dir else None
    with job_log(log_path) as stream:
        out = run_counterpoise(
            complex_result,
            fragments,
            [tuple(cm) for cm in charges_mults],
            level_obj,
            Resources(threads=threads, memory_mb=memory_mb),
            cache,
            relaxed=relaxed,
            stream=stream,
        )
    if cache is not None and log_path is not None:
        archive_log(cache, counterpoise_log_key(out), log_path)
    write_json_atomic(out_path, out)


def counterpoise_log_key(analysis: dict[str, Any]) -> str:
    """Cache key of a counterpoise job's log: from the complex energy's and every single point's
    content hash, so a rerun that only reuses cached single points gets the log that computed them."""
    hashes = [analysis["complex_energy_source"]] + [
        f[k] for f in analysis["fragments"] for k in ("full_basis_spec_hash", "own_basis_spec_hash")
    ]
    return hashlib.sha256(json.dumps(["counterpoise", hashes]).encode()).hexdigest()
