"""Adapter: starting structure of one species (compchem.jobs.build_structure_job)."""

import json
import sys
from pathlib import Path

# this repository's compchem package, also inside a conda env made from workflow/envs
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 (set by Snakemake)

from compchem.jobs import build_structure_job, script_errors  # noqa: E402

with script_errors():
    build_structure_job(
        definition=json.loads(snakemake.params.definition),  # noqa: F821
        xyz_path=snakemake.output.xyz,  # noqa: F821
        build_path=snakemake.output.build,  # noqa: F821
        cache_dir=snakemake.params.cache,  # noqa: F821
        log_path=snakemake.log[0],  # noqa: F821
    )
