"""``make bench``: figures for this machine, printed as a table and written to bench/latest.json.

Each phase that needs a database runs in its own process (``python -m bench.phase NAME``) with a
fresh database, so settings and caches never leak between phases; the parent collects one JSON
object per phase.
"""
