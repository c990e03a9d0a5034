"""The window's start-up preload (rtreview.gui.preload): the case read and its DVHs computed in a
second process hand the window exactly what the in-process load and DVH tasks give (the same
arrays, the same numbers, the same progress and partial DVHs); a child that fails or a
cancelled load fall back or stop cleanly; a real launch shows the stages in their order.

The fork runs in a fresh Python process (a subprocess per test): the test process itself has Qt
and threads, where the preload is refused (``enabled()``), as tested here too."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from conftest import REPO, SAMPLE_DICOM


def _run(code: str, timeout: int = 180) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("RTREVIEW_PRELOAD", None)
    proc = subprocess.run([sys.executable, "-c", COMPARE + textwrap.dedent(code), str(SAMPLE_DICOM)], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


COMPARE = '''
import json, sys
import numpy as np

def same_dvhs(a, b):
    """Every DVH of ``a`` equals ``b``'s field by field (arrays exactly), and the extras."""
    assert sorted(a) == sorted(b), (sorted(a), sorted(b))
    for n in a:
        x, y = a[n], b[n]
        for field in x.__dataclass_fields__:
            u, v = getattr(x, field), getattr(y, field)
            if isinstance(u, np.ndarray):
                assert u.dtype == v.dtype and np.array_equal(u, v), (n, field)
                assert u.flags.writeable == v.flags.writeable, (n, field)
            else:
                assert u == v or (u != u and v != v), (n, field, u, v)
    assert a.skipped == b.skipped
    assert {k: [(p.position_mm, p.dose_gy) for p in v] for k, v in a.points.items()} == \\
        {k: [(p.position_mm, p.dose_gy) for p in v] for k, v in b.points.items()}
    return len(a)
'''


def test_preload_hands_over_what_the_in_process_tasks_compute():
    out = _run('''
    from rtreview.gui import preload
    from rtreview.gui.tasks import dvhs_one_by_one, load_case
    from rtreview.core.viewing.captions import prescription_gy
    paths = [sys.argv[1]]
    assert preload.enabled()
    pre = preload.start(paths)
    progress, partial = [], []
    case = pre.load(paths, progress=lambda *a: progress.append(a))
    assert case is pre.case
    ref = load_case(paths)
    assert [p.patient_id for p in case.patients] == [p.patient_id for p in ref.patients]
    cts = [(ct.hu, ref_ct.hu) for p, q in zip(case.patients, ref.patients) for ct, ref_ct in zip(p.cts, q.cts)]
    assert len(cts) == 2 and all(a.dtype == b.dtype and np.array_equal(a, b) for a, b in cts)
    doses = [(d.dose_gy, e.dose_gy) for p, q in zip(case.patients, ref.patients) for d, e in zip(p.doses, q.doses)]
    assert len(doses) == 2 and all(np.array_equal(a, b) for a, b in doses)
    assert [l.label for l in case.links] == [l.label for l in ref.links]
    assert [[r.name for r in l.structure_set.rois] for l in case.links] == \\
        [[r.name for r in l.structure_set.rois] for l in ref.links]
    assert [str(i) for i in case.report.issues] == [str(i) for i in ref.report.issues]
    counts = []
    for link, ref_link in zip(case.links[::-1], ref.links[::-1]):  # the second link first: any order works
        rx = prescription_gy(link)
        got = pre.dvhs(link.structure_set, link.dose, prescription_gy=rx,
                       partial=lambda n, d: partial.append((link.label, n, d)))
        want = dvhs_one_by_one(ref_link.structure_set, ref_link.dose, prescription_gy=rx)
        counts.append(same_dvhs(got, want))
        handed = [n for label, n, d in partial if label == link.label]
        assert handed in ([], list(got))  # one partial per DVH in order; none when all were in already
    # another prescription (the user's, from the case file): only the stored value differs
    link = case.links[0]
    again = pre.dvhs(link.structure_set, link.dose, prescription_gy=40.0)
    base = dvhs_one_by_one(link.structure_set, link.dose, prescription_gy=40.0)
    same_dvhs(again, base)
    pre.close()
    print(json.dumps({"progress_last": progress[-1][:2], "counts": counts, "ended": pre.child_status is not None}))
    ''')
    assert out["counts"] == [13, 18] and out["ended"]  # L ILIUM (second link, on the second CT), LIVER
    assert out["progress_last"][0] == out["progress_last"][1] > 0  # the load's progress reached its end


def test_preload_falls_back_when_the_child_is_gone_and_stops_it_on_cancel():
    out = _run('''
    import os, signal
    from rtreview.gui import preload
    from rtreview.gui.tasks import dvhs_one_by_one, load_case
    from rtreview.core.dicom.loader import LoadCancelled
    paths = [sys.argv[1]]
    pre = preload.start(paths)
    os.kill(pre.pid, signal.SIGKILL)  # dies before it sent anything
    case = pre.load(paths)  # in-process instead
    assert case is not pre.case and pre.case is None
    link = case.links[0]
    n = same_dvhs(pre.dvhs(link.structure_set, link.dose, prescription_gy=50.0),
                  dvhs_one_by_one(link.structure_set, link.dose, prescription_gy=50.0))
    other = pre.load(paths)  # a second load of the same paths: in-process as well
    assert other is not case and len(other.links) == len(case.links)
    pre2 = preload.start(paths)
    try:
        pre2.load(paths, cancel=lambda: True)
        cancelled = False
    except LoadCancelled:
        cancelled = True
    pre2._reader.join(10)
    gone = not pre2._reader.is_alive() and pre2.child_status is not None
    print(json.dumps({"n": n, "cancelled": cancelled, "gone": gone}))
    ''')
    assert out == {"n": 18, "cancelled": True, "gone": True}


def test_no_preload_inside_a_qt_program(qtbot):
    from rtreview.gui import preload

    assert not preload.enabled()  # Qt imported, threads running: never fork here


def test_launch_with_preload_shows_the_stages_in_order_with_the_same_dvhs():
    out = _run('''
    import os
    os.environ["RTREVIEW_SETTINGS"] = os.path.join(os.environ.get("TMPDIR", "/tmp"), "rtreview-preload-test-%d.ini" % os.getpid())
    import importlib, types
    import rtreview.cli.main as cli_main
    from rtreview.gui import preload
    seen = {"events": []}

    def patch(gui_app):  # once the launch has imported the window (after its fork)
        original_run = gui_app._run
        def run(paths, screenshot, case, pre):
            seen["preload"] = pre is not None
            sent, checks = [], []
            request = pre._request
            pre._request = lambda message: sent.append(message[0]) or request(message)
            check = pre.check_plan
            def check_plan(*args, **kwargs):
                result = check(*args, **kwargs)
                checks.append((args, kwargs, result))
                return result
            pre.check_plan = check_plan
            from PySide6 import QtCore
            import rtreview.gui.main_window as mw
            show = mw.MainWindow.show
            def observed_show(window):
                window.first_painted.connect(lambda: seen["events"].append(("painted", hasattr(window, "dvh_plot"))))
                window.stage_shown.connect(lambda s: seen["events"].append((s, len(window.session.dvhs))))
                def done():
                    QtCore.QTimer.singleShot(0, window.close)
                    from rtreview.gui.tasks import dvhs_one_by_one
                    link = window.session.link
                    seen["events"].append(("all", window.session.has_dvhs(link)))
                    seen["from_preload"] = window.session.case is pre.case and window.load_fn == pre.load
                    seen["n"] = same_dvhs(window.session.dvhs, dvhs_one_by_one(link.structure_set, link.dose,
                                                                             prescription_gy=link.prescription_gy))
                    # the plan's check: computed by the child, equal to the in-process check with the same arguments
                    from rtreview.gui.tasks import check_plan_task
                    args, kwargs, evaluation = checks[0]
                    assert window.constraints.evaluations["plan"] is evaluation
                    here = check_plan_task(*args[:3], None, None, **kwargs)  # (link, protocol, manual; no progress)
                    assert evaluation.to_dict() == here.to_dict() and evaluation.to_dict()["results"]
                    assert sorted(evaluation.dvhs) == sorted(here.dvhs)
                    class One(dict):
                        skipped, points = {}, {}
                    for name in here.dvhs:
                        a, b = evaluation.dvhs[name], here.dvhs[name]
                        same_dvhs(One({0: a}), One({0: b}))
                        if a.roi_number in window.session.dvhs:  # the window's own DVH object, not a copy
                            assert a is window.session.dvhs[a.roi_number]
                    seen["sent"] = sent
                window.all_shown.connect(done)
                show(window)
            mw.MainWindow.show = observed_show
            return original_run(paths, screenshot, case, pre)
        gui_app._run = run
        return gui_app

    cli_main.importlib = types.SimpleNamespace(import_module=lambda name: patch(importlib.import_module(name)))
    main = cli_main.main
    status = main([])
    seen["status"] = status
    print(json.dumps(seen))
    ''')
    assert out["preload"] and out["from_preload"] and out["status"] == 0 and out["n"] == 18
    events = [e[0] for e in out["events"]]
    assert out["events"][0] == ["painted", False]  # the frame first, before any panel
    assert events[1:] == ["case", "dvhs", "constraints", "timeline", "all"]
    assert out["events"][-1] == ["all", True]
    assert out["sent"][:2] == ["check", "rest"]  # the plan's check went to the second process; then it was let go


def test_preload_lets_the_case_go_with_the_window():
    out = _run('''
    import gc
    from rtreview.gui import preload
    paths = [sys.argv[1]]
    pre = preload.start(paths)
    case = pre.load(paths)
    link = case.links[0]
    first = pre.dvhs(link.structure_set, link.dose, prescription_gy=50.0)
    pre._reader.join(60)  # everything the child sent has arrived
    held = pre.case is case
    del case, link
    gc.collect()
    print(json.dumps({"held": held, "dropped": pre.case is None, "kept": sum(m is not None for m in pre._messages),
                      "links": len(pre._dvh_links), "n": len(first)}))
    ''')
    assert out == {"held": True, "dropped": True, "kept": 0, "links": 0, "n": 18}


def test_messages_round_trip_and_a_message_cut_short_is_an_error():
    import io
    import pickle

    import numpy as np
    import pytest

    from rtreview.gui import preload_messages

    frozen = np.arange(50_000, dtype=np.float32)
    frozen.flags.writeable = False
    out = io.BytesIO()
    preload_messages.send(out, ("dvh", 3, frozen, np.arange(10)))  # one array out of band, one in band
    data = out.getvalue()
    payload, buffers = preload_messages.read_raw(preload_messages.reader(io.BytesIO(data)))
    kind, number, big, small = pickle.loads(payload, buffers=buffers)
    assert (kind, number) == ("dvh", 3) and np.array_equal(big, frozen) and np.array_equal(small, np.arange(10))
    assert not big.flags.writeable and small.flags.writeable  # read-only stays read-only
    assert preload_messages.read_raw(preload_messages.reader(io.BytesIO(b""))) is None  # the end, between messages
    for cut in (5, len(payload), len(data) // 2, len(data) - 1):
        with pytest.raises(OSError):
            preload_messages.read_raw(preload_messages.reader(io.BytesIO(data[:cut])))
