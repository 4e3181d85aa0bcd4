"""Adapter: implicit-solvent single point of one species (compchem.jobs.solvent_single_point_job)."""

import json
from typing import TYPE_CHECKING

from compchem.jobs import script_errors, solvent_single_point_job

if TYPE_CHECKING:
    # for linters only: Snakemake's script preamble defines `snakemake` (Snakemake 9.27 has no such
    # name to import at run time; `snakemake.script.Snakemake` is its class)
    from snakemake.script import snakemake

with script_errors():
    solvent_single_point_job(
        record_path=snakemake.input.record,
        level=json.loads(snakemake.params.level),
        solvent=json.loads(snakemake.params.solvent),
        out_path=snakemake.output.json,
        threads=snakemake.threads,
        memory_mb=snakemake.resources.mem_mb,
        cache_dir=snakemake.params.cache,
        log_path=snakemake.log[0],
    )
