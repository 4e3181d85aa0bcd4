"""Adapter: Gaussian input of one species (compchem.jobs.gaussian_input_job)."""

import json
import sys
from pathlib import Path

# this repository's compchem package, also inside a conda env made from workflow/envs
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 (set by Snakemake)

from compchem.jobs import gaussian_input_job, script_errors  # noqa: E402

with script_errors():
    gaussian_input_job(
        build_path=snakemake.input.build,  # noqa: F821
        level=json.loads(snakemake.params.level),  # noqa: F821
        gjf_path=snakemake.output.gjf,  # noqa: F821
        threads=snakemake.threads,  # noqa: F821
        memory_mb=snakemake.resources.mem_mb,  # noqa: F821
        geometry_record=snakemake.input.get("geometry"),  # noqa: F821
    )
