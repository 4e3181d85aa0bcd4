"""Adapter: DFT optimization of one species at one level (compchem.jobs.optimize_job)."""

import json
from typing import TYPE_CHECKING

from compchem.jobs import optimize_job, script_errors

if TYPE_CHECKING:
    # for linters only: Snakemake's script preamble defines `snakemake` (Snakemake 9.27 has no such
    # name to import at run time; `snakemake.script.Snakemake` is its class)
    from snakemake.script import snakemake

with script_errors():
    optimize_job(
        build_path=snakemake.input.build,
        level=json.loads(snakemake.params.level),
        record_path=snakemake.output.record,
        xyz_path=snakemake.output.xyz,
        threads=snakemake.threads,
        memory_mb=snakemake.resources.mem_mb,
        cache_dir=snakemake.params.cache,
        log_path=snakemake.log[0],
    )
