"""Hypothesis profiles for the fuzz targets, chosen by ``HYPOTHESIS_PROFILE``; loaded by
hostile.py, which every target imports. (Not a conftest.py: beside tests/conftest.py it
would take the module name ``conftest`` that the other tests import their roots from.)

``ci`` (the default, what ``make test`` runs): 50 examples a target, derandomised so
the suite gives the same answer on every run. ``fuzz`` (``make fuzz``): random,
thousands of examples a target, a few minutes in all; ``--hypothesis-show-statistics``
prints how many ran. No deadline in either: a slow example is not a failure here,
a crash or a wrong answer is.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=50,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "fuzz",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "1500")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
