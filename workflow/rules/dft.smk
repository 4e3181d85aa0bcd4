# DFT geometry optimization. PySCF levels: one rule (PySCF + geomeTRIC, resumable through the content
# cache); xTB levels (backend xtb) run in the same rule. Gaussian levels: write input -> run (only with
# gaussian.command) -> parse, same records.
# A composite Gaussian level B//A: the input is B's single point at the species' record at A (PySCF).


rule optimize:
    wildcard_constraints:
        level=IN_PROCESS_LEVELS,
    input:
        build=finished(LAYOUT.build("{species}")),
    output:
        record=LAYOUT.record("{level}", "{species}"),
        xyz=LAYOUT.geometry("{level}", "{species}"),
    params:
        level=lambda wc: as_json(PLAN.levels[wc.level].to_dict()),
        cache=CACHE,
    log:
        LAYOUT.log("{level}", "{species}"),
    benchmark:
        LAYOUT.benchmark("{level}", "{species}")
    threads: 8
    resources:
        mem_mb=dft_mem_mb,
        runtime=dft_runtime_min,
    conda:
        "../envs/compchem.yaml"
    script:
        "../scripts/optimize.py"


rule gaussian_input:
    wildcard_constraints:
        level=GAUSSIAN_LEVELS,
    input:
        unpack(finished(geometry_record)),
        build=finished(LAYOUT.build("{species}")),
    output:
        gjf=LAYOUT.gaussian_input("{level}", "{species}"),
    params:
        level=lambda wc: as_json(PLAN.levels[wc.level].to_dict()),
    log:
        LAYOUT.log("{level}", "{species}.gaussian_input"),
    benchmark:
        LAYOUT.benchmark("{level}", "{species}.gaussian_input")
    threads: 8
    resources:
        mem_mb=dft_mem_mb,
        runtime=5,
    conda:
        "../envs/compchem.yaml"
    script:
        "../scripts/gaussian_input.py"


rule gaussian_run:
    wildcard_constraints:
        level=GAUSSIAN_LEVELS,
    input:
        gjf=finished(LAYOUT.gaussian_input("{level}", "{species}")),
    output:
        out=LAYOUT.gaussian_output("{level}", "{species}"),
    params:
        command=lambda wc: PLAN.gaussian.command,
    log:
        LAYOUT.log("{level}", "{species}.gaussian_run"),
    benchmark:
        LAYOUT.benchmark("{level}", "{species}.gaussian_run")
    threads: 8
    resources:
        mem_mb=dft_mem_mb,
        runtime=dft_runtime_min,
    conda:
        "../envs/compchem.yaml"
    script:
        "../scripts/gaussian_run.py"


rule gaussian_parse:
    wildcard_constraints:
        level=GAUSSIAN_LEVELS,
    input:
        unpack(finished(geometry_record)),
        build=finished(LAYOUT.build("{species}")),
        out=finished(LAYOUT.gaussian_output("{level}", "{species}")),
    output:
        record=LAYOUT.record("{level}", "{species}"),
        xyz=LAYOUT.geometry("{level}", "{species}"),
    params:
        level=lambda wc: as_json(PLAN.levels[wc.level].to_dict()),
        cache=CACHE,
    log:
        LAYOUT.log("{level}", "{species}"),
    benchmark:
        LAYOUT.benchmark("{level}", "{species}")
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/compchem.yaml"
    script:
        "../scripts/gaussian_parse.py"


# A cluster's record is its lowest-energy DFT pose; poses/<cluster>.json keeps all of them.
# A checkpoint: with pose screening, the level above reads which pose won here.
checkpoint select_pose:
    wildcard_constraints:
        species=CLUSTERS,
        level=UNSCREENED_LEVELS,
    input:
        records=finished(pose_files("records")),
        builds=finished(pose_files("builds")),
    output:
        record=LAYOUT.record("{level}", "{species}"),
        xyz=LAYOUT.geometry("{level}", "{species}"),
        poses=LAYOUT.poses("{level}", "{species}"),
    log:
        LAYOUT.log("{level}", "{species}.select_pose"),
    localrule: True
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    conda:
        "../envs/compchem.yaml"
    script:
        "../scripts/select_pose.py"


# Pose screening (config pose_screening: preopt_level): only the pose that was lowest at the
# preopt level is optimized at this level.
rule select_screened_pose:
    wildcard_constraints:
        species=CLUSTERS,
        level=SCREENED_LEVELS,
    input:
        screening=finished(lambda wc: LAYOUT.poses(PLAN.screening_level(wc.level), wc.species)),
        record=finished(screened_best_record),
    output:
        record=LAYOUT.record("{level}", "{species}"),
        xyz=LAYOUT.geometry("{level}", "{species}"),
        poses=LAYOUT.poses("{level}", "{species}"),
    log:
        LAYOUT.log("{level}", "{species}.select_pose"),
    localrule: True
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    conda:
        "../envs/compchem.yaml"
    script:
        "../scripts/select_screened_pose.py"


ruleorder: select_pose > optimize
ruleorder: select_pose > gaussian_parse
ruleorder: select_screened_pose > optimize
ruleorder: select_screened_pose > gaussian_parse
