"""Benchmarks of hahealer; results and how to reproduce them are in
docs/benchmarks.md. Run one with ``python -m benchmarks NAME --help``."""
