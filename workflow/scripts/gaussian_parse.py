"""Adapter: parse one Gaussian output into a record (compchem.jobs.gaussian_parse_job)."""

import json
from typing import TYPE_CHECKING

from compchem.jobs import gaussian_parse_job, script_errors

if TYPE_CHECKING:
    # for linters only: Snakemake's script preamble defines `snakemake` (Snakemake 9.27 has no such
    # name to import at run time; `snakemake.script.Snakemake` is its class)
    from snakemake.script import snakemake

with script_errors():
    gaussian_parse_job(
        build_path=snakemake.input.build,
        level=json.loads(snakemake.params.level),
        output_path=snakemake.input.out,
        record_path=snakemake.output.record,
        xyz_path=snakemake.output.xyz,
        cache_dir=snakemake.params.cache,
        log_path=snakemake.log[0],
        geometry_record=snakemake.input.get("geometry"),
    )
