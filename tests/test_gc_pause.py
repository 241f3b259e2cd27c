"""validate pauses Python's cyclic garbage collector (lcdkb.gc_pause) and leaves it as it found it."""

import gc

import pytest

from conftest import FIXTURE_TODAY, VALID
from lcdkb.gc_pause import collector_paused
from lcdkb.validate import validate


def test_the_collector_is_on_again_after_validate_and_nothing_was_left_for_it():
    assert gc.isenabled()
    gc.unfreeze()  # what earlier tests' validations froze, and any cycles among it, are not this test's
    gc.collect()
    validate(VALID, today=FIXTURE_TODAY)
    assert gc.isenabled()
    gc.unfreeze()
    assert gc.collect() == 0  # validating makes no reference cycles: freezing its objects keeps nothing alive


def test_a_collector_the_caller_switched_off_stays_off():
    gc.disable()
    try:
        validate(VALID, today=FIXTURE_TODAY)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_collector_is_on_again_after_an_error():
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("stop")
    assert gc.isenabled()
