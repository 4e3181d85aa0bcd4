# Binding-energy tables from records only.


# what the binding table reads (its params keep their content hash: content_sha256)
BINDING_TABLE_INPUTS = dict(
    records=expand(LAYOUT.record("{{level}}", "{species}"), species=PLAN.species()),
    thermo=expand(
        LAYOUT.thermo("{{level}}", "{species}", THERMO_DIR),
        species=PLAN.thermo_species() if THERMO["frequencies"] else [],
    ),
    counterpoise=expand(
        LAYOUT.counterpoise("{{level}}", "{cluster}"),
        cluster=list(PLAN.clusters) if THERMO["counterpoise"] else [],
    ),
    poses=expand(LAYOUT.poses("{{level}}", "{cluster}"), cluster=list(PLAN.clusters)),
    solvent=expand(
        LAYOUT.solvent("{{level}}", "{species}", SOLVENT_DIR),
        species=PLAN.species() if SOLVENT else [],
    ),
)


# the model study's table and figure (config model_study; none without one)
STUDY_OUTPUTS = (
    dict(
        study_csv=LAYOUT.model_study("{level}", "csv"),
        study_md=LAYOUT.model_study("{level}", "md"),
        study_png=report(
            LAYOUT.model_study_plot("{level}"),
            caption="../report/model_study.rst",
            category="Binding energies",
        ),
    )
    if PLAN.model_study
    else {}
)


# One job writes a level's tables and every figure drawn from them (bar plot, series, run summary and,
# with a config model_study, the study's table and figure): whatever reads the table reruns with it in
# the same run, without a second rule that an `ancient` input would keep from following (docs/recovery.md).
rule binding_table:
    input:
        **finished(BINDING_TABLE_INPUTS),
    output:
        csv=report(
            LAYOUT.binding_energies("{level}", "csv"),
            caption="../report/table.rst",
            category="Binding energies",
        ),
        md=LAYOUT.binding_energies("{level}", "md"),
        json=LAYOUT.binding_energies("{level}", "json"),
        exchange_csv=LAYOUT.exchange_energies("{level}"),
        # dH and dG at thermo.temperature_scan_k (header only without a scan)
        scan_csv=LAYOUT.thermo_temperatures("{level}"),
        png=report(
            LAYOUT.plot("{level}", "binding_energies.png"),
            caption="../report/binding.rst",
            category="Binding energies",
        ),
        svg=LAYOUT.plot("{level}", "binding_energies.svg"),
        series=expand(LAYOUT.plot("{{level}}", "series_{name}.png"), name=list(PLAN.series)),
        summary=report(
            LAYOUT.summary("{level}"), caption="../report/summary.rst", category="Run"
        ),
        # config model_study: its table and figure (none without one)
        **STUDY_OUTPUTS,
    params:
        inputs_sha256=content_sha256(BINDING_TABLE_INPUTS),
        species=PLAN.species(),
        thermo_species=PLAN.thermo_species() if THERMO["frequencies"] else [],
        cp_clusters=list(PLAN.clusters) if THERMO["counterpoise"] else [],
        pose_clusters=list(PLAN.clusters),
        solvent_species=PLAN.species() if SOLVENT else [],
        clusters=[
            {
                "name": c.name,
                "ligands": list(c.ligands),
                "paper_value_ev": c.paper_value_ev,
                "paper_label": c.paper_label,
            }
            for c in PLAN.clusters.values()
        ],
        ion=PLAN.ion_name,
        exchanges=[
            {"name": x.name, "reactants": list(x.reactants), "products": list(x.products),
             "description": x.description}
            for x in PLAN.exchanges.values()
        ],
        geometry_dir=lambda wc: LAYOUT.geometries_dir(wc.level),
        series=PLAN.series,
        combinations=PLAN.model_study.params() if PLAN.model_study else [],
    log:
        table=LAYOUT.log("{level}", "binding_table"),
        plots=LAYOUT.log("{level}", "plots"),
        **({"model_study": LAYOUT.log("{level}", "model_study")} if PLAN.model_study else {}),
    benchmark:
        LAYOUT.benchmark("{level}", "binding_table")
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/compchem.yaml"
    script:
        "../scripts/binding_table.py"

