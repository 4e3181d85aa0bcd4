# compchem: Li+ binding energies, SMILES -> clusters -> DFT -> tables.
# Run `snakemake --cores 2` (default config) or `snakemake --cores 2 --configfile my.yaml`.
import os

from snakemake.utils import min_version

min_version("9.0")


configfile: os.path.join(workflow.basedir, "workflow", "config", "config.yaml")


include: "workflow/rules/common.smk"
include: "workflow/rules/build.smk"
include: "workflow/rules/dft.smk"
include: "workflow/rules/thermo.smk"
include: "workflow/rules/analysis.smk"
include: "workflow/rules/report.smk"


report: "workflow/report/workflow.rst"


rule all:
    input:
        expand(LAYOUT.binding_energies("{level}", "csv"), level=PLAN.run_levels),
        expand(LAYOUT.plot("{level}", "binding_energies.png"), level=PLAN.run_levels),
        expand(
            LAYOUT.structure_plot("{level}", "{species}"),
            level=PLAN.run_levels,
            species=list(PLAN.clusters),
        ),
        # config model_study: its table and figure (nothing without one)
        expand(
            [LAYOUT.model_study("{level}", "csv"), LAYOUT.model_study("{level}", "md"),
             LAYOUT.model_study_plot("{level}")],
            level=PLAN.run_levels if PLAN.model_study else [],
        ),
    default_target: True
