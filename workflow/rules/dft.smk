# DFT geometry optimization (PySCF + geomeTRIC), resumable through the content cache.
from compchem import estimate


def _nbasis(wc):
    return estimate.n_basis_functions(PLAN.symbols(wc.species), PLAN.levels[wc.level])


rule optimize:
    input:
        build=f"{RESULTS}/structures/{{species}}.build.json",
    output:
        record=f"{RESULTS}/{{level}}/records/{{species}}.json",
        xyz=f"{RESULTS}/{{level}}/geometries/{{species}}.xyz",
    params:
        level=lambda wc: PLAN.levels[wc.level].to_dict(),
        cache=CACHE,
    log:
        f"{RESULTS}/{{level}}/logs/{{species}}.log",
    benchmark:
        f"{RESULTS}/{{level}}/benchmarks/{{species}}.tsv"
    threads: 8
    resources:
        mem_mb=lambda wc: estimate.memory_mb(_nbasis(wc), PLAN.levels[wc.level]),
        runtime=lambda wc, threads: estimate.runtime_minutes(
            _nbasis(wc), PLAN.levels[wc.level], threads
        ),
    script:
        "../scripts/optimize.py"
