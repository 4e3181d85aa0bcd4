"""Adapter: bar plot and run summary of one level (compchem.jobs.plots_job)."""

import sys
from pathlib import Path

# this repository's compchem package, also inside a conda env made from workflow/envs
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 (set by Snakemake)

from compchem.jobs import plots_job, script_errors  # noqa: E402

with script_errors():
    plots_job(
        table_json=snakemake.input.table,  # noqa: F821
        record_paths=dict(zip(snakemake.params.species, snakemake.input.records, strict=True)),  # noqa: F821
        bar_paths=[snakemake.output.png, snakemake.output.svg],  # noqa: F821
        summary_path=snakemake.output.summary,  # noqa: F821
        log_path=snakemake.log[0],  # noqa: F821
        series=snakemake.params.series,  # noqa: F821
        series_paths=list(snakemake.output.series),  # noqa: F821
    )
