"""Aggregated compliance views: the questions users actually ask, answered from every service.

``compose`` holds the pure functions (no I/O), ``upstream`` the parallel calls to the services,
``router`` the four routes, ``data/`` the roadmap steps and thresholds.
"""
