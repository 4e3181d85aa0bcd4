"""Adapter: with pose screening, the cluster's record is its screened best pose at this level
(compchem.jobs.select_screened_pose_job)."""

import sys
from pathlib import Path

# this repository's compchem package, also inside a conda env made from workflow/envs
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 (set by Snakemake)

from compchem.jobs import script_errors, select_screened_pose_job  # noqa: E402

with script_errors():
    select_screened_pose_job(
        cluster=snakemake.wildcards.species,  # noqa: F821
        screening_path=snakemake.input.screening,  # noqa: F821
        best_record_path=snakemake.input.record,  # noqa: F821
        record_path=snakemake.output.record,  # noqa: F821
        xyz_path=snakemake.output.xyz,  # noqa: F821
        poses_path=snakemake.output.poses,  # noqa: F821
        log_path=snakemake.log[0],  # noqa: F821
    )
