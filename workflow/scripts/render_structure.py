"""Adapter: picture of one optimized structure (compchem.jobs.render_structure_job)."""

import sys
from pathlib import Path

# this repository's compchem package, also inside a conda env made from workflow/envs
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 (set by Snakemake)

from compchem.jobs import render_structure_job, script_errors  # noqa: E402

with script_errors():
    render_structure_job(
        record_path=snakemake.input.record,  # noqa: F821
        png_path=snakemake.output.png,  # noqa: F821
        log_path=snakemake.log[0],  # noqa: F821
    )
