"""Adapter: picture of one optimized structure (compchem.jobs.render_structure_job)."""

from typing import TYPE_CHECKING

from compchem.jobs import render_structure_job, script_errors

if TYPE_CHECKING:
    # for linters only: Snakemake's script preamble defines `snakemake` (Snakemake 9.27 has no such
    # name to import at run time; `snakemake.script.Snakemake` is its class)
    from snakemake.script import snakemake

with script_errors():
    render_structure_job(
        record_path=snakemake.input.record,
        png_path=snakemake.output.png,
        log_path=snakemake.log[0],
    )
