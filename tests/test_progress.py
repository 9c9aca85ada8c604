"""The progress line: redrawn in place on a terminal, a line every few seconds in a log."""

import io

import pytest

from skautoencoder._engine import progress


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(progress.time, "perf_counter", clock)
    return clock


def run_epochs(report, clock, seconds_per_epoch, epochs, first_epoch_seconds):
    for epoch in range(1, epochs + 1):
        clock.now += first_epoch_seconds if epoch == 1 else seconds_per_epoch
        report.update(epoch, 1.0 / epoch, 2.0 / epoch)
    report.close()


def test_a_log_file_gets_one_whole_line_every_ten_seconds_and_where_training_stopped(clock):
    log = io.StringIO()
    report = progress.TrainingProgress(1, 100, stream=log)
    run_epochs(report, clock, seconds_per_epoch=1.0, epochs=35, first_epoch_seconds=5.0)
    lines = log.getvalue().splitlines()
    assert "\r" not in log.getvalue()
    assert [line.split()[1] for line in lines] == ["1/100", "11/100", "21/100", "31/100", "35/100"]


def test_a_terminal_gets_the_line_redrawn_in_place(clock):
    terminal = Terminal()
    report = progress.TrainingProgress(1, 10, stream=terminal)
    run_epochs(report, clock, seconds_per_epoch=1.0, epochs=10, first_epoch_seconds=5.0)
    text = terminal.getvalue()
    assert text.count("\r") == 10 and text.endswith("\n") and text.count("\n") == 1


def test_the_time_left_leaves_out_the_first_epoch_and_its_compilation(clock):
    log = io.StringIO()
    report = progress.TrainingProgress(2, 300, stream=log)
    run_epochs(report, clock, seconds_per_epoch=0.1, epochs=3, first_epoch_seconds=8.0)
    first, second, third = log.getvalue().splitlines()
    assert first.endswith("8s elapsed, estimating time left")
    assert second.endswith("8s elapsed, 30s left")  # 298 epochs of 0.1 s, not of (8.1 / 2) s
    assert third.endswith("8s elapsed, 30s left")
