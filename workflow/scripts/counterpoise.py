"""Adapter: counterpoise and deformation of one cluster (compchem.jobs.counterpoise_job)."""

import json
from typing import TYPE_CHECKING

from compchem.jobs import counterpoise_job, script_errors

if TYPE_CHECKING:
    # for linters only: Snakemake's script preamble defines `snakemake` (Snakemake 9.27 has no such
    # name to import at run time; `snakemake.script.Snakemake` is its class)
    from snakemake.script import snakemake

with script_errors():
    counterpoise_job(
        cluster_record=snakemake.input.cluster,
        relaxed_records=list(snakemake.input.relaxed),
        charges_mults=json.loads(snakemake.params.charges_mults),
        level=json.loads(snakemake.params.level),
        out_path=snakemake.output.json,
        threads=snakemake.threads,
        memory_mb=snakemake.resources.mem_mb,
        cache_dir=snakemake.params.cache,
        log_path=snakemake.log[0],
    )
