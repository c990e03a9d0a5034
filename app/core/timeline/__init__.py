"""The clinical case timeline: model, case-file I/O with schema validation, derived facts, checks.

Public API::

    from rtreview.core.timeline import load_case, save_case, CaseFileError
    case = load_case("resources/cases/hcc_lenalidomide.case.json")
    lines_of_therapy(case); time_on_therapy(case); progression_free_survival(case)
    check_case(case, plans)   # plans: rtreview.core.dicom Plan objects (optional)
    summarize(case, plans)    # the JSON of `rtreview timeline`

No Qt here (``rtreview.gui.timeline.view`` is the view).
"""
from .case_file import (CaseFileError, bundled_example_path, case_from_dict, case_to_dict, dumps_case,
                        find_case_file, load_case, loads_case, new_case, save_case, validate_text)
from .checks import TimelineWarning, check_against_plans, check_case, find_plan, weekdays_between
from .derived import (LineOfTherapy, ProgressionFreeSurvival, TherapyDuration, lines_of_therapy,
                      progression_free_survival, time_on_therapy)
from .liver import (LiverStatus, albi_grade_for_score, child_pugh_class_for_score, child_pugh_for_plan,
                    liver_status_at)
from .model import (EVENT_CLASSES, AdverseEvent, CaseTimeline, Death, Diagnosis, Event, FollowUp,
                    ImagingStudy, LabSample, LabSeries, LiverFunction, Note, PatientLink, Procedure,
                    ResponseAssessment, RtCourse, SystemicTherapy, new_event_id)
from .schema import SchemaIssue, case_schema_path, validate
from .summary import summarize

__all__ = [name for name in dir() if not name.startswith("_")]
