"""The fuzzing suite's budget: short and repeatable in `make test`, as long as asked in `make fuzz`.

In `make test` every target runs a fixed, derandomised set of examples, so the
suite is the same on every run and a failure is a regression, never luck. `make
fuzz` sets BABELWIRE_FUZZ_SECONDS: each target is then run again and again with
fresh random examples until its time is up, and Hypothesis keeps any failing
example in `.hypothesis/` so the next run tries it first.
"""

from __future__ import annotations

import os
import time

import pytest
from hypothesis import HealthCheck, settings

FUZZ_SECONDS = float(os.environ.get("BABELWIRE_FUZZ_SECONDS", "0") or 0)

settings.register_profile(
    "babelwire-ci",
    max_examples=int(os.environ.get("BABELWIRE_FUZZ_EXAMPLES", "60")),
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "babelwire-fuzz",
    max_examples=500,
    derandomize=False,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile("babelwire-fuzz" if FUZZ_SECONDS else "babelwire-ci")


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Under `make fuzz`, run a Hypothesis target round after round until its budget is spent."""
    if not FUZZ_SECONDS or not getattr(pyfuncitem.obj, "is_hypothesis_test", False):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    arguments = {name: pyfuncitem.funcargs[name] for name in names}
    deadline = time.monotonic() + FUZZ_SECONDS
    rounds = 0
    while time.monotonic() < deadline:
        pyfuncitem.obj(**arguments)
        rounds += 1
    print(f"\n{pyfuncitem.nodeid}: {rounds} rounds in {FUZZ_SECONDS:.0f} s, no failure")
    return True
