"""Adapter: run Gaussian on one input (compchem.jobs.gaussian_run_job)."""

import sys
from pathlib import Path

# this repository's compchem package, also inside a conda env made from workflow/envs
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 (set by Snakemake)

from compchem.jobs import gaussian_run_job, script_errors  # noqa: E402

with script_errors():
    gaussian_run_job(
        command=snakemake.params.command,  # noqa: F821
        gjf_path=snakemake.input.gjf,  # noqa: F821
        output_path=snakemake.output.out,  # noqa: F821
        log_path=snakemake.log[0],  # noqa: F821
    )
