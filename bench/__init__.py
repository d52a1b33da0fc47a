"""Benchmarks and the data generator; run them with `python -m bench [name ...]`."""
