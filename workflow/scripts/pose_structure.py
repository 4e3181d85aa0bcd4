"""Adapter: starting structure of one searched pose of a cluster (compchem.jobs.pose_structure_job)."""

from typing import TYPE_CHECKING

from compchem.jobs import pose_structure_job, script_errors

if TYPE_CHECKING:
    # for linters only: Snakemake's script preamble defines `snakemake` (Snakemake 9.27 has no such
    # name to import at run time; `snakemake.script.Snakemake` is its class)
    from snakemake.script import snakemake

with script_errors():
    pose_structure_job(
        build_path=snakemake.input.build,
        k=int(snakemake.wildcards.k),
        xyz_path=snakemake.output.xyz,
        pose_build_path=snakemake.output.build,
        log_path=snakemake.log[0],
    )
