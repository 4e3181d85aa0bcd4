"""Adapter: starting structure of one species (compchem.jobs.build_structure_job)."""

import json
from typing import TYPE_CHECKING

from compchem.jobs import build_structure_job, script_errors

if TYPE_CHECKING:
    # for linters only: Snakemake's script preamble defines `snakemake` (Snakemake 9.27 has no such
    # name to import at run time; `snakemake.script.Snakemake` is its class)
    from snakemake.script import snakemake

with script_errors():
    build_structure_job(
        definition=json.loads(snakemake.params.definition),
        xyz_path=snakemake.output.xyz,
        build_path=snakemake.output.build,
        cache_dir=snakemake.params.cache,
        log_path=snakemake.log[0],
    )
