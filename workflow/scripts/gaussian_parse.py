"""Adapter: parse one Gaussian output into a record (compchem.jobs.gaussian_parse_job)."""

import json
import sys
from pathlib import Path

# this repository's compchem package, also inside a conda env made from workflow/envs
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 (set by Snakemake)

from compchem.jobs import gaussian_parse_job, script_errors  # noqa: E402

with script_errors():
    gaussian_parse_job(
        build_path=snakemake.input.build,  # noqa: F821
        level=json.loads(snakemake.params.level),  # noqa: F821
        output_path=snakemake.input.out,  # noqa: F821
        record_path=snakemake.output.record,  # noqa: F821
        xyz_path=snakemake.output.xyz,  # noqa: F821
        cache_dir=snakemake.params.cache,  # noqa: F821
        log_path=snakemake.log[0],  # noqa: F821
        geometry_record=snakemake.input.get("geometry"),  # noqa: F821
    )
