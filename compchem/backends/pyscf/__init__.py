"""The PySCF backend: SCF energy, gradient, geomeTRIC geometry optimization with checkpoints, and
harmonic frequencies. ``scf`` builds molecules and SCF objects, ``optimize`` (with ``initial_hessian``)
drives geomeTRIC, ``run`` dispatches a CalcSpec's task, ``hessian`` computes frequencies. Nothing is
imported here, so that importing one of them loads only what it needs."""
