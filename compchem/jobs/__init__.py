"""One function per workflow step. Snakemake's adapters in ``workflow/scripts`` only unpack
``snakemake.*`` and call these, so every step runs and is tested without Snakemake.

One module per stage: ``common`` (error handling, specs from builds, logs that survive reruns),
``build`` (starting structures and poses), ``dft`` (optimizations, Gaussian, composite and solvent
single points), ``thermo`` (frequencies and thermochemistry), ``counterpoise`` (BSSE and deformation
single points) and ``tables`` (tables, plots, pictures). Every job is importable from here."""

from __future__ import annotations

from compchem.jobs.build import (
    BUILD_CODE_VERSION,
    build_cache_key,
    build_structure,
    build_structure_job,
    curated_ligand,
    pose_count,
    pose_structure_job,
    select_pose_job,
    select_screened_pose_job,
)
from compchem.jobs.common import (
    LOG_COPY_INTERVAL_S,
    archive_log,
    kept_log,
    script_errors,
    spec_from_build,
    write_outputs,
)
from compchem.jobs.counterpoise import counterpoise_job, counterpoise_log_key, run_counterpoise
from compchem.jobs.dft import (
    composite_single_point_spec,
    gaussian_input_job,
    gaussian_parse_job,
    gaussian_run_job,
    optimize_job,
    solvated_level,
    solvent_single_point_job,
)
from compchem.jobs.model_study import model_study_job
from compchem.jobs.tables import binding_table_job, plots_job, render_structure_job
from compchem.jobs.thermo import THERMO_JOB_SETTINGS, thermo_job

__all__ = [
    "BUILD_CODE_VERSION",
    "LOG_COPY_INTERVAL_S",
    "THERMO_JOB_SETTINGS",
    "archive_log",
    "binding_table_job",
    "build_cache_key",
    "build_structure",
    "build_structure_job",
    "composite_single_point_spec",
    "counterpoise_job",
    "counterpoise_log_key",
    "curated_ligand",
    "gaussian_input_job",
    "gaussian_parse_job",
    "gaussian_run_job",
    "kept_log",
    "model_study_job",
    "optimize_job",
    "plots_job",
    "pose_count",
    "pose_structure_job",
    "render_structure_job",
    "run_counterpoise",
    "script_errors",
    "select_pose_job",
    "select_screened_pose_job",
    "solvated_level",
    "solvent_single_point_job",
    "spec_from_build",
    "thermo_job",
    "write_outputs",
]
