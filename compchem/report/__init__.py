"""Plots and report pages made from records and tables."""
