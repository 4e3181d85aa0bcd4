"""Adapter: binding-energy table of one level (compchem.jobs.binding_table_job)."""

import sys
from pathlib import Path

# this repository's compchem package, also inside a conda env made from workflow/envs
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 (set by Snakemake)

from compchem.jobs import binding_table_job, script_errors  # noqa: E402

with script_errors():
    binding_table_job(
        record_paths=dict(zip(snakemake.params.species, snakemake.input.records, strict=True)),  # noqa: F821
        clusters=snakemake.params.clusters,  # noqa: F821
        ion=snakemake.params.ion,  # noqa: F821
        level_name=snakemake.wildcards.level,  # noqa: F821
        csv_path=snakemake.output.csv,  # noqa: F821
        md_path=snakemake.output.md,  # noqa: F821
        json_path=snakemake.output.json,  # noqa: F821
        geometry_dir=snakemake.params.geometry_dir,  # noqa: F821
        log_path=snakemake.log[0],  # noqa: F821
        exchanges=snakemake.params.exchanges,  # noqa: F821
        exchange_csv_path=snakemake.output.exchange_csv,  # noqa: F821
        thermo_paths=dict(zip(snakemake.params.thermo_species, snakemake.input.thermo, strict=True)),  # noqa: F821
        counterpoise_paths=dict(zip(snakemake.params.cp_clusters, snakemake.input.counterpoise, strict=True)),  # noqa: F821
        pose_paths=dict(zip(snakemake.params.pose_clusters, snakemake.input.poses, strict=True)),  # noqa: F821
        solvent_paths=dict(zip(snakemake.params.solvent_species, snakemake.input.solvent, strict=True)),  # noqa: F821
        scan_csv_path=snakemake.output.scan_csv,  # noqa: F821
    )
