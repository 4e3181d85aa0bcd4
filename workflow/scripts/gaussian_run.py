"""Adapter: run Gaussian on one input (compchem.jobs.gaussian_run_job)."""

from typing import TYPE_CHECKING

from compchem.jobs import gaussian_run_job, script_errors

if TYPE_CHECKING:
    # for linters only: Snakemake's script preamble defines `snakemake` (Snakemake 9.27 has no such
    # name to import at run time; `snakemake.script.Snakemake` is its class)
    from snakemake.script import snakemake

with script_errors():
    gaussian_run_job(
        command=snakemake.params.command,
        gjf_path=snakemake.input.gjf,
        output_path=snakemake.output.out,
        log_path=snakemake.log[0],
    )
