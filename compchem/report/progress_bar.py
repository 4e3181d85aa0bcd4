"""A live progress bar of one DFT optimization (``compchem optimize``), drawn from its log lines.

The optimizer logs one line per step with the energy and the gradient; this logging handler turns
those lines into a bar that fills on a log scale as the largest gradient component falls towards the
convergence threshold, and passes every other compchem message through to stderr.
"""

from __future__ import annotations

import logging
import math
import sys


class ProgressBar(logging.Handler):
    """Draws one line per optimization step: energy, gradient and a bar that fills (on a log scale)
    as the largest gradient component falls from its first value to the convergence threshold."""

    def __init__(self, target_gmax: float) -> None:
        super().__init__(logging.INFO)
        self.target = target_gmax
        self.first: float | None = None

    def emit(self, record: logging.LogRecord) -> None:
        msg = record.getMessage()
        if "opt step" not in msg:
            if record.levelno >= logging.INFO and "compchem" in record.name:
                sys.stderr.write(msg + "\n")
            return
        if "max=" not in msg:  # a step replayed from a checkpoint or rejected uphill: no gradient
            sys.stderr.write(msg + "\n")
            return
        gmax = float(msg.split("max=")[1].split()[0])
        self.first = self.first or gmax
        span = math.log(self.first / self.target) if self.first > self.target else 1.0
        frac = min(1.0, max(0.0, math.log(self.first / gmax) / span)) if gmax < self.first else 0.0
        bar = "#" * int(30 * frac) + "-" * (30 - int(30 * frac))
        step = msg.split("opt step")[1].split()[0]
        energy = msg.split("E=")[1].split()[0]
        sys.stderr.write(
            f"\rstep {step:>3s} [{bar}] E={energy} Ha  grad max={gmax:.1e} (target {self.target:.1e})\n"
        )
