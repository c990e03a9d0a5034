#!/usr/bin/env python3
"""Start-up of the review window, measured by events: the real application (``rtreview
[PATHS]``, the sample case by default) launched offscreen as a fresh process, timed from launch
to the window's first paint and to "all shown" (plans, CT, structures, the selected plan's DVHs,
its constraints and the case timeline on screen).

    .venv/bin/python bench/bench_startup.py [--repeat 5] [--rev GIT_REV ...] [PATH ...]

Each process runs ``rtreview.cli.main.main`` with a small observer installed from outside
(``CHILD`` below: an event filter on the main window and connections to the window's signals)
that writes the time of each event (CLOCK_MONOTONIC, shared with this process) and quits the
program once all is shown. The observer is installed by an import hook when the launch itself
imports ``rtreview.gui.app``, so Qt is imported when and where the program imports it (after the
start-up's fork, rtreview.gui.preload). Bytecode is cached as on a user's machine (a warm-up run
writes it; ``PYTHONDONTWRITEBYTECODE`` is dropped for the launches unless ``--no-pyc``). Events:

- ``first_paint``: the window's ``first_painted`` signal (code without it: the first Paint event
  of a widget of the main window, seen by the observer);
- ``all_shown``: the window's ``all_shown`` signal (code without it: the observer's equivalent:
  case loaded, the selected plan's DVHs all in, its constraint table filled, the timeline
  showing a case file, then the next paint);
- on the way: ``case_loaded``, ``first_curve`` (the first DVH curve arrived), ``dvhs_done``,
  ``constraints``, ``timeline`` (seen by the observer), ``stage_*`` (the window's ``stage_shown``);
  and at ``all_shown`` the process's CPU seconds (all threads) and peak RSS (MB);
- at the end, ``cpu_s_children`` / ``rss_mb_children``: CPU seconds and peak RSS of the program's
  second process (the start-up preload: reading the case, every plan's DVHs), its whole life.

``--rev`` runs older code (``git archive REV app``) in the same run, interleaved, as a baseline.
The machine is shared: the load average is printed with every round; compare ratios and CPU.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TIMEOUT_S = 120
NO_PYC = False

CHILD = r'''
import json, os, resource, sys, time
code_dir, trace_path = sys.argv[1], sys.argv[2]
del sys.argv[1:3]
sys.path.insert(0, code_dir)
events = {}
def mark(name):
    events.setdefault(name, time.monotonic())
def cpu_s():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime
def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
import importlib.abc, importlib.util

def install(gui_app):
    """Called when ``rtreview.gui.app`` has been imported by the launch itself (so the launch
    imports Qt when and where the program does, not before)."""
    global QtCore, QtWidgets, EXPECT_TIMELINE
    from PySide6 import QtCore, QtWidgets
    from rtreview.core.timeline.case_file import find_case_file
    from rtreview.paths import sample_dicom_dir
    # the observer waits for the timeline only when there is a case file to show
    EXPECT_TIMELINE = find_case_file(sys.argv[1:] or [str(sample_dicom_dir())]) is not None
    exec(OBSERVER, globals())
    original = gui_app.make_application
    def make_application(argv=None):
        app = original(argv)
        import rtreview.gui.main_window as main_window  # run() imports it right after this anyway
        show = main_window.MainWindow.show
        def observed_show(window):
            if observer.window is None:
                observer.attach(window)
                window.installEventFilter(observer)
            show(window)
        main_window.MainWindow.show = observed_show
        return app
    gui_app.make_application = make_application

class Hook(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != "rtreview.gui.app":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        exec_module = spec.loader.exec_module
        def exec_and_install(module):
            exec_module(module)
            install(module)
        spec.loader.exec_module = exec_and_install
        return spec
sys.meta_path.insert(0, Hook())

OBSERVER = """
class Observer(QtCore.QObject):
    def __init__(self):
        super().__init__()
        self.window = None
        self.ready = False
        self.done = False
    def eventFilter(self, obj, ev):  # installed on the main window only (an application-wide
        if ev.type() == QtCore.QEvent.Type.Paint:  # filter wraps every widget: crashes seen)
            mark("observed_first_paint")
            if self.ready and not self.done:
                self.finish("observed_all_shown")
        return False
    def attach(self, win):
        self.window = win
        if hasattr(win, "all_shown"):  # the window's own events
            win.first_painted.connect(lambda: mark("first_paint"))
            win.all_shown.connect(lambda: self.finish("all_shown"))
            win.stage_shown.connect(lambda name: mark("stage_" + name))
        if hasattr(win, "constraints"):
            self.attach_panels()
        else:  # panels built right after the first paint (queued then): attach after them
            win.first_painted.connect(lambda: QtCore.QTimer.singleShot(0, self.attach_panels))
    def attach_panels(self):
        win = self.window
        win.case_loaded.connect(lambda: (mark("case_loaded"), self.check()))
        win.session.dvhs_changed.connect(self.on_dvhs)
        win.constraints.evaluated.connect(lambda kind: (mark("constraints" if kind == "plan" else "composite"), self.check()))
        win.constraints.runner.busy_changed.connect(lambda busy: self.check())
        win.timeline_view.case_loaded.connect(lambda _p: (mark("timeline"), self.check()))
    def on_dvhs(self):
        s = self.window.session
        if s.dvhs:
            mark("first_curve")
        if s.link is not None and s.has_dvhs(s.link):
            mark("dvhs_done")
        self.check()
    def check(self):
        w = self.window
        if self.ready or w is None:
            return
        s = w.session
        if hasattr(w.constraints, "plan_settled"):  # the table shows its final state
            constraints = w.constraints.plan_settled
        else:  # older code: an evaluation, or no check running or queued (no protocol fits)
            constraints = w.constraints.evaluations.get("plan") is not None or not w.constraints.busy
        if ("case_loaded" in events and s.link is not None and s.has_dvhs(s.link) and constraints
                and (w.timeline_view.case_path() is not None or not EXPECT_TIMELINE)):
            self.ready = True
            mark("observed_all_ready")
            w.update()
    def finish(self, name):
        mark(name)
        events.setdefault("cpu_s_" + name, cpu_s())
        events.setdefault("rss_mb_" + name, rss_mb())
        needed = ["observed_all_shown"] + (["all_shown"] if hasattr(self.window, "all_shown") else [])
        if all(n in events for n in needed) and not self.done:
            self.done = True
            QtCore.QTimer.singleShot(0, self.quit)
    def quit(self):
        self.write()
        self.window.close()
        QtWidgets.QApplication.instance().quit()
    def write(self):
        with open(trace_path, "w") as f:
            json.dump(events, f)

observer = Observer()
QtCore.QTimer.singleShot(int(os.environ.get("BENCH_STARTUP_LIMIT_S", "100")) * 1000,
                         lambda: (observer.write(), os._exit(3)))  # never hang the benchmark
"""
from rtreview.cli.main import main
status = main(sys.argv[1:])
children = resource.getrusage(resource.RUSAGE_CHILDREN)  # a second process of the program's, once ended
events["cpu_s_children"] = children.ru_utime + children.ru_stime
events["rss_mb_children"] = children.ru_maxrss / 1024
observer.write()
sys.exit(status)
'''

STAGES = ("first_paint", "observed_first_paint", "case_loaded", "stage_case", "first_curve", "dvhs_done",
          "stage_dvhs", "constraints", "stage_constraints", "timeline", "stage_timeline", "observed_all_ready",
          "observed_all_shown", "all_shown", "composite")


def code_dirs(revs: list[str], tmp: Path) -> list[tuple[str, Path]]:
    out = []
    here = tmp / "worktree"
    here.mkdir()
    (here / "rtreview").symlink_to(ROOT / "app")
    out.append(("ours", here))
    for rev in revs:
        target = tmp / f"rev_{rev}"
        target.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "app"], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
        (target / "rtreview").symlink_to("app")
        out.append((f"ours@{rev}", target))
    return out


def run_once(code: Path, paths: list[str], tmp: Path, settings: Path) -> dict:
    trace = tmp / "trace.json"
    trace.unlink(missing_ok=True)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "RTREVIEW_SETTINGS": str(settings)}
    if not NO_PYC:  # as on a user's machine: the modules' compiled bytecode is cached (warm-up run)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", CHILD, str(code), str(trace), *paths], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=TIMEOUT_S)
    end = time.monotonic()
    if not trace.is_file():
        raise RuntimeError(f"no trace (exit {proc.returncode}): {proc.stderr[-800:]}")
    events = json.loads(trace.read_text())
    out = {k: (v - start if not k.startswith(("cpu_s", "rss_mb")) else v) for k, v in events.items()}
    out["process_s"] = end - start
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", help="what to open (default: the sample case)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rev", action="append", default=[])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--no-pyc", action="store_true",
                        help="keep PYTHONDONTWRITEBYTECODE if set (modules without a cached .pyc are compiled every run)")
    args = parser.parse_args(argv)
    global NO_PYC
    NO_PYC = args.no_pyc
    load = lambda: " ".join(f"{v:.2f}" for v in os.getloadavg())  # noqa: E731
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')}  {os.cpu_count()} CPUs  load {load()}"
          f"  bytecode {'not written (PYTHONDONTWRITEBYTECODE kept)' if NO_PYC and os.environ.get('PYTHONDONTWRITEBYTECODE') else 'written by the warm-up run'}")
    runs: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        settings = tmp / "settings.ini"  # no recent files, no saved layout of the user's
        codes = code_dirs(args.rev, tmp)
        for label, code in codes:  # warm-up (pyc, page cache), not measured
            run_once(code, args.paths, tmp, settings)
        for r in range(args.repeat):
            for label, code in codes:
                runs.setdefault(label, []).append(run_once(code, args.paths, tmp, settings))
            print(f"  round {r + 1}/{args.repeat}  load {load()}", flush=True)
    print("\nseconds after launch (median of the repeats; min in brackets)")
    labels = list(runs)
    print(f"  {'event':<22}" + "".join(f"{label:>24}" for label in labels))
    for stage in (*STAGES, "cpu_s_all_shown", "cpu_s_observed_all_shown", "rss_mb_all_shown",
                  "rss_mb_observed_all_shown", "cpu_s_children", "rss_mb_children", "process_s"):
        cells = []
        for label in labels:
            values = [r[stage] for r in runs[label] if stage in r]
            cells.append(f"{statistics.median(values):>8.3f} [{min(values):.3f}]" if values else "-")
        if any(c != "-" for c in cells):
            print(f"  {stage:<22}" + "".join(f"{c:>24}" for c in cells))
    print(f"done {time.strftime('%H:%M:%S')}  load {load()}")
    if args.json:
        args.json.write_text(json.dumps({"load": os.getloadavg(), "runs": runs}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
