# Structure pictures and report pages (`snakemake --report report.html` collects them; the bar plot
# and run summary come with the binding table, workflow/rules/analysis.smk).


rule render_structure:
    input:
        record=finished(LAYOUT.record("{level}", "{species}")),
    output:
        png=report(
            LAYOUT.structure_plot("{level}", "{species}"),
            caption="../report/structure.rst",
            category="Structures",
            subcategory="{level}",
        ),
    params:
        inputs_sha256=content_sha256([LAYOUT.record("{level}", "{species}")]),
    log:
        LAYOUT.log("{level}", "render_{species}"),
    benchmark:
        LAYOUT.benchmark("{level}", "render_{species}")
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/compchem.yaml"
    script:
        "../scripts/render_structure.py"
