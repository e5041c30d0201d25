"""Modules of scripts/gen_sample_logs.py: the week's simulation, renderers and checks."""
