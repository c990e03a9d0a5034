"""While a review window exists, cyclic garbage is collected by the GUI thread's timer, never by
a worker thread (gc_policy: Qt destructors off the GUI thread deadlocked a test run)."""
import gc
import threading

from rtreview.gui.main_window import MainWindow


class Cycle:
    def __init__(self):
        self.me = self


def test_automatic_collection_is_off_and_the_gui_thread_collects(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    assert not gc.isenabled()
    collected_in = []

    class Watched(Cycle):
        def __del__(self):
            collected_in.append(threading.current_thread() is threading.main_thread())

    def make_garbage():  # a worker allocating well past gen-0's threshold
        Watched()
        for _ in range(5 * gc.get_threshold()[0]):
            Cycle()

    worker = threading.Thread(target=make_garbage)
    worker.start()
    worker.join()
    assert collected_in == []  # the worker's allocations did not trigger a collection
    qtbot.waitUntil(lambda: bool(collected_in), timeout=5000)
    assert collected_in == [True]
