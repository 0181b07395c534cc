"""The service directory's turn: taken at once when free, waited for (said once), bounded."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

import pytest

from autofix.errors import ConfigError
from autofix.step.turns import take_turn


def test_a_free_directory_is_taken_at_once_and_released(tmp_path: Path) -> None:
    said: list[str] = []
    with take_turn(tmp_path, 5, lambda seconds, why: said.append(why)):
        pass
    with take_turn(tmp_path, 5, lambda seconds, why: said.append(why)):
        pass
    assert said == []


def test_a_held_directory_is_waited_for_then_refused_in_one_line(tmp_path: Path) -> None:
    held = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)  # as another run holds it
    fcntl.flock(held, fcntl.LOCK_EX)
    said: list[tuple[float, str]] = []
    started = time.monotonic()
    try:
        with (
            pytest.raises(ConfigError, match="kept a step running there for 1 s"),
            take_turn(tmp_path, 1, lambda seconds, why: said.append((seconds, why))),
        ):
            pytest.fail("the turn was taken while another holder had it")
    finally:
        os.close(held)
    assert time.monotonic() - started >= 1
    assert len(said) == 1 and said[0][0] == 1 and str(tmp_path) in said[0][1]
    with take_turn(tmp_path, 1, lambda seconds, why: said.append((seconds, why))):
        pass  # released by its holder: taken at once
    assert len(said) == 1
