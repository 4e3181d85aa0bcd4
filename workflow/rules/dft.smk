# DFT geometry optimization (PySCF + geomeTRIC), resumable through the content cache.
rule optimize:
    input:
        build=f"{RESULTS}/structures/{{species}}.build.json",
    output:
        record=f"{RESULTS}/{{level}}/records/{{species}}.json",
        xyz=f"{RESULTS}/{{level}}/geometries/{{species}}.xyz",
    params:
        level=lambda wc: as_json(PLAN.levels[wc.level].to_dict()),
        cache=CACHE,
    log:
        f"{RESULTS}/{{level}}/logs/{{species}}.log",
    benchmark:
        f"{RESULTS}/{{level}}/benchmarks/{{species}}.tsv"
    threads: 8
    resources:
        mem_mb=dft_mem_mb,
        runtime=dft_runtime_min,
    conda:
        "../envs/compchem.yaml"
    script:
        "../scripts/optimize.py"
