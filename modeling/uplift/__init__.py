"""Evaluation of uplift scores on a randomised holdout: Qini and uplift curves, uplift@k,
decile response rates and their bootstrap intervals, as pure functions over numpy arrays.

The public entry points live in `modeling.uplift.metrics` (point estimates) and
`modeling.uplift.bootstrap` (intervals); results are the frozen dataclasses of
`modeling.uplift.results`.
"""
