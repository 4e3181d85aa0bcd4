"""Cost warnings of a plan: the species and run levels whose optimization ``compchem.estimate`` puts
far beyond one workstation or cluster node in time or memory. Not errors: ``compchem validate`` and
the workflow print them before a run, so that a config asking for the impossible says so at once."""

from __future__ import annotations

from compchem.config.plan import Plan

#: A species whose optimization is estimated above this many hours (8 threads, 40 gradients per
#: stage, ``compchem.estimate``) or memory is reported by ``Plan.warnings``.
WARN_HOURS = 48.0
WARN_MEMORY_MB = 128_000


def cost_warnings(plan: Plan, threads: int = 8) -> list[str]:
    """One line per species and run level whose optimization the estimate puts far beyond a
    workstation or a typical cluster node (``WARN_HOURS``, ``WARN_MEMORY_MB``), with the estimate."""
    from compchem import estimate

    out = []
    for lname in plan.run_levels:
        level = plan.levels[lname]
        if level.backend != "pyscf":
            continue
        for name in plan.species():
            symbols = plan.symbols(name)
            nbas = estimate.n_basis_functions(symbols, level)
            hours = estimate.optimization_seconds(symbols, level, threads, 40, 40) / 3600
            memory = estimate.memory_mb(nbas, level)
            if hours > WARN_HOURS or memory > WARN_MEMORY_MB:
                out.append(
                    f"{name} at level '{lname}': {len(symbols)} atoms, {nbas} basis functions, estimated "
                    f"{hours:.0f} h on {threads} cores and {memory / 1000:.0f} GB for one optimization "
                    "(`compchem estimate`); far beyond one machine: use a smaller model or a cheaper level"
                )
    return out
