"""Pure readers and writers (no program execution)."""
