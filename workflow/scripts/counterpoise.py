"""Adapter: counterpoise and deformation of one cluster (compchem.jobs.counterpoise_job)."""

import json
import sys
from pathlib import Path

# this repository's compchem package, also inside a conda env made from workflow/envs
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 (set by Snakemake)

from compchem.jobs import counterpoise_job, script_errors  # noqa: E402

with script_errors():
    counterpoise_job(
        cluster_record=snakemake.input.cluster,  # noqa: F821
        relaxed_records=list(snakemake.input.relaxed),  # noqa: F821
        charges_mults=json.loads(snakemake.params.charges_mults),  # noqa: F821
        level=json.loads(snakemake.params.level),  # noqa: F821
        out_path=snakemake.output.json,  # noqa: F821
        threads=snakemake.threads,  # noqa: F821
        memory_mb=snakemake.resources.mem_mb,  # noqa: F821
        cache_dir=snakemake.params.cache,  # noqa: F821
        log_path=snakemake.log[0],  # noqa: F821
    )
