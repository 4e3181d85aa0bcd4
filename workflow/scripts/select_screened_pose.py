"""Adapter: with pose screening, the cluster's record is its screened best pose at this level
(compchem.jobs.select_screened_pose_job)."""

from typing import TYPE_CHECKING

from compchem.jobs import script_errors, select_screened_pose_job

if TYPE_CHECKING:
    # for linters only: Snakemake's script preamble defines `snakemake` (Snakemake 9.27 has no such
    # name to import at run time; `snakemake.script.Snakemake` is its class)
    from snakemake.script import snakemake

with script_errors():
    select_screened_pose_job(
        cluster=snakemake.wildcards.species,
        screening_path=snakemake.input.screening,
        best_record_path=snakemake.input.record,
        record_path=snakemake.output.record,
        xyz_path=snakemake.output.xyz,
        poses_path=snakemake.output.poses,
        log_path=snakemake.log[0],
    )
