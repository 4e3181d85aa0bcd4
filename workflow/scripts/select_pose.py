"""Adapter: a cluster's record = its lowest-energy DFT pose (compchem.jobs.select_pose_job)."""

import sys
from pathlib import Path

# this repository's compchem package, also inside a conda env made from workflow/envs
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 (set by Snakemake)

from compchem.jobs import script_errors, select_pose_job  # noqa: E402

with script_errors():
    select_pose_job(
        cluster=snakemake.wildcards.species,  # noqa: F821
        record_paths=list(snakemake.input.records),  # noqa: F821
        pose_build_paths=list(snakemake.input.builds),  # noqa: F821
        record_path=snakemake.output.record,  # noqa: F821
        xyz_path=snakemake.output.xyz,  # noqa: F821
        poses_path=snakemake.output.poses,  # noqa: F821
        log_path=snakemake.log[0],  # noqa: F821
    )
