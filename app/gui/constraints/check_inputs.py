"""What the constraints panel's checks take beside the plan, the protocol and the hand mapping:
the Child-Pugh class and the re-irradiation time factor from the case timeline shown in the
window, and the protocol's α/β told to the structure list (through the session)."""
from __future__ import annotations

from typing import Callable


def time_factor(timeline, links: list) -> dict:
    """The user's re-irradiation time factor (case file; off by default) as course weights of ``links``."""
    from rtreview.core.timeline.reirradiation import weights_for_plans

    return weights_for_plans(timeline, [(g.label, g.plan.sop_instance_uid if g.plan is not None else "")
                                        for g in links])


def child_pugh(links: list, protocols: list, timeline: Callable[[], object]) -> dict:
    """``{child_pugh, child_pugh_text}`` for a check whose protocols have Child-Pugh variants: the
    class before the (latest) course from the case timeline (``timeline()``); {} otherwise."""
    from rtreview.core.constraints.plan_check import child_pugh_basis
    from rtreview.core.timeline import child_pugh_for_plan

    if not any(p is not None and child_pugh_basis(p, None, "") for p in protocols) or not links:
        return {}
    link = links[-1]
    plan = link.plan
    cp, text, _ = child_pugh_for_plan(timeline(), link.label, plan.sop_instance_uid if plan is not None else "",
                                      plan.date if plan is not None else "")
    return {"child_pugh": cp, "child_pugh_text": text}


def tell_alpha_beta(session, link, proto, manual: dict) -> bool:
    """The structure list shows the α/β of the protocol this plan is checked against; True when a
    value changed."""
    match = None
    if proto is not None and link.structure_set is not None:
        from rtreview.core.constraints import match_structures

        match = match_structures(proto, [r.name for r in link.structure_set.rois], manual or None)
    return session.set_alpha_beta_protocol(proto, match)
