"""Adapter: a cluster's record = its lowest-energy DFT pose (compchem.jobs.select_pose_job)."""

from typing import TYPE_CHECKING

from compchem.jobs import script_errors, select_pose_job

if TYPE_CHECKING:
    # for linters only: Snakemake's script preamble defines `snakemake` (Snakemake 9.27 has no such
    # name to import at run time; `snakemake.script.Snakemake` is its class)
    from snakemake.script import snakemake

with script_errors():
    select_pose_job(
        cluster=snakemake.wildcards.species,
        record_paths=list(snakemake.input.records),
        pose_build_paths=list(snakemake.input.builds),
        record_path=snakemake.output.record,
        xyz_path=snakemake.output.xyz,
        poses_path=snakemake.output.poses,
        log_path=snakemake.log[0],
    )
