"""Adapter: frequencies and thermochemistry of one species (compchem.jobs.thermo_job)."""

import json
import sys
from pathlib import Path

# this repository's compchem package, also inside a conda env made from workflow/envs
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 (set by Snakemake)

from compchem.jobs import script_errors, thermo_job  # noqa: E402

with script_errors():
    thermo_job(
        record_path=snakemake.input.record,  # noqa: F821
        level=json.loads(snakemake.params.level),  # noqa: F821
        settings=json.loads(snakemake.params.settings),  # noqa: F821
        frequencies_level=json.loads(snakemake.params.frequencies_level),  # noqa: F821
        out_path=snakemake.output.json,  # noqa: F821
        threads=snakemake.threads,  # noqa: F821
        memory_mb=snakemake.resources.mem_mb,  # noqa: F821
        cache_dir=snakemake.params.cache,  # noqa: F821
        log_path=snakemake.log[0],  # noqa: F821
    )
