"""Adapter: Gaussian input of one species (compchem.jobs.gaussian_input_job)."""

import json
from typing import TYPE_CHECKING

from compchem.jobs import gaussian_input_job, script_errors

if TYPE_CHECKING:
    # for linters only: Snakemake's script preamble defines `snakemake` (Snakemake 9.27 has no such
    # name to import at run time; `snakemake.script.Snakemake` is its class)
    from snakemake.script import snakemake

with script_errors():
    gaussian_input_job(
        build_path=snakemake.input.build,
        level=json.loads(snakemake.params.level),
        gjf_path=snakemake.output.gjf,
        threads=snakemake.threads,
        memory_mb=snakemake.resources.mem_mb,
        geometry_record=snakemake.input.get("geometry"),
    )
