"""What every job shares: the error handling around a job called from a Snakemake adapter, the
CalcSpec of a built species, writing a record with its geometry, and the two ways a job's log
survives Snakemake truncating it on a rerun (``kept_log`` for interrupted runs, ``archive_log`` for
results that a later job only reuses)."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from compchem.artifacts import BuildRecord, read_artifact
from compchem.held import HeldDistance, from_definition, held_in_structure
from compchem.io.xyz import format_xyz
from compchem.models import CalcResult, CalcSpec, LevelOfTheory, coordinate_rows
from compchem.records import Cache, write_record, write_text_atomic

# every job module logs as ``compchem.jobs``, the name its lines carried before the package split
log = logging.getLogger("compchem.jobs")


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
    except (CompchemError, JobInterruptedError) as exc:
        raise SystemExit(f"compchem: error: {exc}") from None
    finally:
        signal.signal(signal.SIGTERM, previous)


def spec_from_build(build_path: str, level: dict[str, Any], task: str = "optimize") -> CalcSpec:
    """The CalcSpec of a built species (``<species>.build.json``) at a level given as a mapping."""
    built = read_artifact(BuildRecord, build_path)
    level_obj = LevelOfTheory.from_record(level)
    return CalcSpec(
        symbols=tuple(built.symbols),
        coordinates_angstrom=coordinate_rows(map(float, r) for r in built.coordinates_angstrom),
        charge=int(built.charge),
        multiplicity=int(built.multiplicity),
        level=level_obj,
        task=task,
        label=built.species,
        fragments=tuple((f["name"], tuple(f["atom_indices"])) for f in built.fragments),
        held_distances=_held_of(built),
    )


def _held_of(built: BuildRecord) -> tuple[HeldDistance, ...]:
    """The held distances (``compchem.held``) of a built species in its own atom indices, from the
    build's definition: a ligand's own, or each ligand's of a cluster mapped through its fragment."""
    definition = built.definition if isinstance(built.definition, dict) else {}
    entries = [definition] if definition.get("kind") == "ligand" else list(definition.get("ligands", []))
    return held_in_structure(entries, built.fragments) if any(map(from_definition, entries)) else ()


def write_outputs(result: CalcResult, level: LevelOfTheory, record_path: str, xyz_path: str) -> None:
    """A species' JSON record and its geometry (.xyz, the level and energy in the comment line)."""
    write_record(record_path, result)
    comment = f"{result.label} {level.describe()} E={result.energy_hartree:.10f} Ha"
    write_text_atomic(xyz_path, format_xyz(result.symbols, result.coordinates_angstrom, comment))


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
