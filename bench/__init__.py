"""Side-by-side measurements of our render, the bare FFmpeg floor and a MoviePy pipeline.

Not tests: run with `make bench` or `python -m bench --help`; see docs/benchmarks.md.
"""
