"""The core work the window runs in its TaskRunner, as plain functions (no Qt): loading, DVH
computation and constraint checks. The window and its panels take them as parameters, so tests
can pass stand-ins."""
from __future__ import annotations


def load_case(paths, progress=None, cancel=None):
    """The DICOM loader (LoadCancelled when ``cancel()`` turns True)."""
    from rtreview.core.dicom.loader import load
    return load(paths, progress=progress, cancel=cancel)


def dvh_items(structure_set, dose, prescription_gy=None, cancel=None):
    """The engine's ``(index, total, roi, Dvh or None)`` of every ROI in order, as the window
    computes them (here, or in the start-up's second process: rtreview.gui.preload)."""
    from rtreview.core.dvh import iter_dvhs

    return iter_dvhs(structure_set, dose, prescription_gy=prescription_gy, cancel=cancel)


def collect_dvhs(items, dose, progress=None, partial=None):
    """The DvhResults of ``items`` (``dvh_items``' tuples), handing each DVH to ``partial(number,
    dvh)`` as soon as it is there so curves appear one by one."""
    from rtreview.core.dvh import DvhResults

    results = DvhResults()
    for index, total, roi, dvh in items:
        results.add(roi, dvh, dose)  # POINT ROIs: the dose at the point (results.points)
        if dvh is not None and partial is not None:
            partial(roi.number, dvh)
        if progress is not None:
            progress(index + 1, total, roi.name)
    return results


def dvhs_one_by_one(structure_set, dose, prescription_gy=None, progress=None, cancel=None, partial=None):
    """The engine's DVHs of every ROI (its DvhResults), handing each to ``partial(number, dvh)``
    as soon as it is done so curves appear one by one."""
    return collect_dvhs(dvh_items(structure_set, dose, prescription_gy=prescription_gy, cancel=cancel), dose,
                        progress=progress, partial=partial)


def check_plan_task(link, protocol, manual=None, progress=None, cancel=None, dvhs=None, alpha_beta=None,
                    child_pugh=None, child_pugh_text=""):
    """``check_plan`` of one dose link, exactly as ``rtreview check``. ``dvhs``: the window's
    finished DVHs of this dose (default options, as the check's), reused instead of recomputed;
    derived structures (e.g. Liver-GTV) are always computed. ``alpha_beta``: the user's α/β."""
    from rtreview.core.constraints import check_plan

    if progress is not None:
        progress(0, 1, f"Checking {link.label} against {protocol.name}")
    return check_plan(link, protocol, manual=manual or None, dvhs=dvhs or None, alpha_beta=alpha_beta or None,
                      child_pugh=child_pugh, child_pugh_text=child_pugh_text)


def check_composite_task(links, protocols, manual=None, progress=None, cancel=None, alpha_beta=None,
                         child_pugh=None, child_pugh_text="", course_weights=None):
    """``check_composite`` of several courses (EQD2 summed at the DVH engine's sample points), as
    ``rtreview check``: courses on other CTs are looked up through their registrations when
    ``links`` is a CourseGroup (it knows the patient)."""
    from rtreview.core.compare.composite_frames import check_across_frames
    from rtreview.core.constraints import check_composite

    if progress is not None:
        progress(0, 1, "Summing " + " + ".join(link.label for link in links) + " (EQD2)")
    if getattr(links, "patient", None) is not None:
        return check_across_frames(None, links, protocols, manual=manual or None, alpha_beta=alpha_beta or None,
                                   child_pugh=child_pugh, child_pugh_text=child_pugh_text,
                                   course_weights=course_weights)[0]
    return check_composite(links, protocols, manual=manual or None, alpha_beta=alpha_beta or None,
                           child_pugh=child_pugh, child_pugh_text=child_pugh_text, course_weights=course_weights)
