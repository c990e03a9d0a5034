"""TaskRunner: progress from the worker thread, results, failures as messages, cancellation,
and stale results dropped when a newer task starts."""
import threading
import time

import pytest

from rtreview.gui.workers import TaskRunner


@pytest.fixture
def runner(qtbot):
    r = TaskRunner()
    yield r
    r.shutdown()


def test_result_and_progress_arrive_on_the_gui_thread(qtbot, runner):
    seen = []
    runner.progressed.connect(lambda d, t, m: seen.append((d, t, m, threading.current_thread().name)))

    def task(progress, cancel):
        for i in range(3):
            progress(i + 1, 3, f"step {i + 1}")
        return threading.current_thread().name

    with qtbot.waitSignal(runner.finished, timeout=5000) as blocker:
        runner.start("sum", task)
    name, worker_thread = blocker.args
    assert name == "sum" and worker_thread != threading.current_thread().name
    qtbot.waitUntil(lambda: len(seen) == 3)
    assert [s[:3] for s in seen] == [(1, 3, "step 1"), (2, 3, "step 2"), (3, 3, "step 3")]
    assert all(s[3] == threading.current_thread().name for s in seen)
    assert not runner.busy


def test_a_failure_is_a_message(qtbot, runner):
    def task(progress, cancel):
        raise ValueError("bad input")

    with qtbot.waitSignal(runner.failed, timeout=5000) as blocker:
        runner.start("x", task)
    assert blocker.args == ["x", "ValueError: bad input"]


def test_cancel_stops_the_task_and_drops_its_result(qtbot, runner):
    stopped = threading.Event()

    def task(progress, cancel):
        while not cancel():
            time.sleep(0.005)
        stopped.set()
        return "late"

    finished = []
    runner.finished.connect(lambda *a: finished.append(a))
    with qtbot.waitSignal(runner.busy_changed, timeout=2000):
        runner.start("long", task)
    with qtbot.waitSignal(runner.cancelled, timeout=2000):
        runner.cancel()
    assert stopped.wait(2.0)
    qtbot.waitUntil(lambda: runner.running_threads == 0, timeout=5000)
    assert finished == []


def test_a_new_task_cancels_the_old_one_and_its_result_is_dropped(qtbot, runner):
    release = threading.Event()
    old_cancelled = []

    def old(progress, cancel):
        release.wait(2.0)
        old_cancelled.append(cancel())
        return "old"

    runner.start("old", old)
    first_generation = runner.generation
    with qtbot.waitSignal(runner.finished, timeout=5000) as blocker:
        runner.start("new", lambda progress, cancel: "new")
    assert runner.generation == first_generation + 1
    assert blocker.args == ["new", "new"]
    results = []
    runner.finished.connect(lambda *a: results.append(a))
    release.set()
    qtbot.waitUntil(lambda: runner.running_threads == 0, timeout=5000)
    qtbot.wait(20)
    assert results == [] and old_cancelled == [True]


def test_partial_results_arrive_before_the_result(qtbot, runner):
    got = []
    runner.partial_result.connect(lambda name, obj: got.append((name, obj)))

    def task(progress, cancel, partial):
        for i in range(3):
            partial(i)
        return "done"

    with qtbot.waitSignal(runner.finished, timeout=5000) as blocker:
        runner.start("p", task, partial=True)
    assert got == [("p", 0), ("p", 1), ("p", 2)] and blocker.args == ["p", "done"]
