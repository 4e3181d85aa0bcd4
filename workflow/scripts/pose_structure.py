"""Adapter: starting structure of one searched pose of a cluster (compchem.jobs.pose_structure_job)."""

import sys
from pathlib import Path

# this repository's compchem package, also inside a conda env made from workflow/envs
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 (set by Snakemake)

from compchem.jobs import pose_structure_job, script_errors  # noqa: E402

with script_errors():
    pose_structure_job(
        build_path=snakemake.input.build,  # noqa: F821
        k=int(snakemake.wildcards.k),  # noqa: F821
        xyz_path=snakemake.output.xyz,  # noqa: F821
        pose_build_path=snakemake.output.build,  # noqa: F821
        log_path=snakemake.log[0],  # noqa: F821
    )
