"""Adapter: DFT optimization of one species at one level (compchem.jobs.optimize_job)."""

import json
import sys
from pathlib import Path

# this repository's compchem package, also inside a conda env made from workflow/envs
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 (set by Snakemake)

from compchem.jobs import optimize_job, script_errors  # noqa: E402

with script_errors():
    optimize_job(
        build_path=snakemake.input.build,  # noqa: F821 (injected by Snakemake)
        level=json.loads(snakemake.params.level),  # noqa: F821
        record_path=snakemake.output.record,  # noqa: F821
        xyz_path=snakemake.output.xyz,  # noqa: F821
        threads=snakemake.threads,  # noqa: F821
        memory_mb=snakemake.resources.mem_mb,  # noqa: F821
        cache_dir=snakemake.params.cache,  # noqa: F821
        log_path=snakemake.log[0],  # noqa: F821
    )
