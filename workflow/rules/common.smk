# Validated plan of the run; everything else comes from the compchem package.
import hashlib
import json
import os
import re
import sys

from snakemake.exceptions import WorkflowError

from compchem import estimate
from compchem.chem import SAFE_NAME, pose_name
from compchem.config import build_plan
from compchem.errors import InputError
from compchem.jobs import THERMO_JOB_SETTINGS, pose_count
from compchem.layout import Layout, solvent_dirname

try:
    PLAN = build_plan(config, [os.getcwd(), workflow.basedir])
except InputError as exc:
    raise WorkflowError(f"compchem: {exc}") from None

for _warning in PLAN.warnings:
    print(f"compchem: warning: {_warning}", file=sys.stderr)

# every results path of the rules below (patterns with wildcards, or files)
LAYOUT = Layout(PLAN.results_dir)
CACHE = LAYOUT.cache


def finished(value):
    """An input made by an earlier job of this workflow, marked ``ancient``: its modification time
    alone never makes a finished job run again. What a job computes is fixed by its params and the
    content of its inputs (every calculation is keyed by its content hash in the cache); file times
    only add false reruns, e.g. in a fresh clone, where checkout order sets them
    (tests/test_fresh_clone.py). The price: an existing input rewritten by its producer in the same
    invocation does not rerun the reader (Snakemake skips jobs whose changed inputs are all
    ``ancient``), so what must follow a rewritten file is written by the same job (the binding table's
    figures) or is caught by its content hash in the next invocation (``content_sha256``). Takes a
    path, a list, a dict (``unpack``) or an input function."""
    if callable(value):
        return lambda wc: finished(value(wc))
    if isinstance(value, dict):
        return {key: finished(v) for key, v in value.items()}
    return ancient(value)


def content_sha256(inputs):
    """Params function of the cheap rules that read finished results (tables, pictures): the
    SHA-256 of the content of ``inputs`` (a mapping or list of path patterns and lists of them, as
    given to ``input:``, formatted with the job's wildcards; a missing file counts as missing).
    Snakemake keeps it in the job's metadata (rerun trigger ``params``), so a table runs again when a
    record it read has changed content since, e.g. after more poses were computed in another
    invocation; the inputs stay ``finished``, so file times alone (a fresh clone) never trigger."""
    groups = list(inputs.values()) if isinstance(inputs, dict) else list(inputs)
    patterns = [p for g in groups for p in (g if isinstance(g, (list, tuple)) else [g])]

    def digest(wildcards):
        values = dict(wildcards.items())
        sha = hashlib.sha256()
        for path in sorted({str(p).format(**values) for p in patterns}):
            sha.update(path.encode() + b"\0")
            if os.path.exists(path):
                with open(path, "rb") as handle:
                    sha.update(handle.read())
            else:
                sha.update(b"\0missing\0")
        return sha.hexdigest()

    return digest


def levels_regex(*backends):
    """Wildcard constraint matching exactly the levels run by one of ``backends`` (nothing if none)."""
    names = [re.escape(n) for n, lvl in PLAN.levels.items() if lvl.backend in backends]
    return "|".join(names) if names else "(?!x)x"


PYSCF_LEVELS = levels_regex("pyscf")
# levels whose optimizations run in process (run_cached): PySCF, and xTB run levels (backend xtb)
IN_PROCESS_LEVELS = levels_regex("pyscf", "xtb")
CLUSTERS = "|".join(re.escape(c) for c in PLAN.clusters) or "(?!x)x"
# levels whose cluster poses are ranked at their preopt level (config pose_screening), and the others
SCREENED_LEVELS = "|".join(re.escape(n) for n in PLAN.levels if PLAN.screening_level(n)) or "(?!x)x"
UNSCREENED_LEVELS = "|".join(re.escape(n) for n in PLAN.levels if not PLAN.screening_level(n)) or "(?!x)x"
THERMO = PLAN.thermo
# results/<level>/thermo (frequencies at the run level) or thermo_<name> (thermo.frequencies_level)
THERMO_DIR = PLAN.thermo_dirname
# thermo.solvent: implicit-solvent single points at the gas-phase geometries, in results/<level>/solvent_<name>
SOLVENT = THERMO.get("solvent")
SOLVENT_DIR = solvent_dirname(SOLVENT["name"] if SOLVENT else None)
GAUSSIAN_LEVELS = levels_regex("gaussian")


wildcard_constraints:
    species=SAFE_NAME.pattern.strip("^$"),
    level=SAFE_NAME.pattern.strip("^$"),


def dft_basis_functions(wc):
    """Basis functions of a species at a level (sizes the job's resources)."""
    return estimate.n_basis_functions(PLAN.symbols(wc.species), PLAN.levels[wc.level])


def dft_mem_mb(wc):
    return estimate.memory_mb(dft_basis_functions(wc), PLAN.levels[wc.level])


def dft_runtime_min(wc, threads):
    return estimate.runtime_minutes(PLAN.symbols(wc.species), PLAN.levels[wc.level], threads)


def as_json(data):
    """Canonical JSON of a params value: key order never triggers a rerun."""
    return json.dumps(data, sort_keys=True)


def cluster_fragments(cluster):
    """Fragment species of a cluster in atom order: the ion, then each ligand."""
    return [PLAN.ion_name, *PLAN.clusters[cluster].ligands]


def pose_files(kind):
    """Input function: the files of every DFT pose of a cluster (known once its build has run)."""

    def files(wc):
        build = checkpoints.build_structure.get(species=wc.species).output.build
        n = pose_count(build, PLAN.dft_poses(wc.species))
        names = [pose_name(wc.species, k) for k in range(n)]
        if kind == "records":
            return [LAYOUT.record(wc.level, name) for name in names]
        return [LAYOUT.build(name) for name in names]

    return files


def screened_best_record(wc):
    """Input function (pose screening): the record of the pose selected at the screening level, once
    the poses have been ranked there."""
    screening = checkpoints.select_pose.get(level=PLAN.screening_level(wc.level), species=wc.species)
    with open(screening.output.poses) as handle:
        name = pose_name(wc.species, json.load(handle)["selected_pose"])
    return LAYOUT.record(wc.level, name)


def geometry_record(wc):
    """Input function (Gaussian rules): at a composite level B//A, the species' optimized record at
    its geometry level A, whose geometry B's single point uses; nothing at other levels."""
    geometry = PLAN.levels[wc.level].geometry
    if geometry is None:
        return {}
    return {"geometry": LAYOUT.record(geometry.name, wc.species)}
