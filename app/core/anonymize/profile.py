"""What the anonymiser does with each attribute: DICOM PS3.15 Annex E, Table E.1-1, the Basic
Application Level Confidentiality Profile (action codes: D replace with a dummy value, Z empty or
dummy, X remove, K keep, U replace UID consistently), plus rules of our own that are stricter than
the profile where the table leaves free text or unknown attributes in (each marked "stricter").

Options (PS3.15 E.3): without any option (the default) dates and times go (Z or X); with
``retain_dates`` the Retain Longitudinal Temporal Information with Modified Dates Option
(E.3.6) shifts every date by one offset for the whole export and keeps times. Burned-in
annotations are not removed (no Clean Pixel Data Option): CT from planning systems carries none,
and a file that says it does (Burned In Annotation = YES) is not exported.
"""
from __future__ import annotations

from pydicom.datadict import tag_for_keyword

# Replaced by the pseudonym of the patient (Z in Table E.1-1: a dummy value is allowed).
PSEUDONYM = {"PatientName", "PatientID"}

# Z: emptied (type 2 in the IODs we export, so they must stay present).
EMPTY = {
    "PatientBirthDate", "PatientSex", "ReferringPhysicianName", "AccessionNumber", "StudyID", "StudyDate",
    "StudyTime", "ContentDate", "ContentTime", "StructureSetDate", "StructureSetTime", "RTPlanDate", "RTPlanTime",
    "ROIInterpreter", "ReferringPhysicianIdentificationSequence",
}

# D: replaced by a dummy numbered in order of appearance, consistently across the export
# (the case timeline's plan_label follows the same map).
DUMMY_LABELS = {"RTPlanLabel": "PLAN", "StructureSetLabel": "SS"}

# X: removed (Table E.1-1), where the rules below would not remove them anyway.
REMOVE = {
    "InstitutionName", "InstitutionAddress", "InstitutionalDepartmentName", "InstitutionCodeSequence",
    "StationName", "OperatorsName", "OperatorIdentificationSequence", "PerformingPhysicianName",
    "PerformingPhysicianIdentificationSequence", "PhysiciansOfRecord", "PhysiciansOfRecordIdentificationSequence",
    "NameOfPhysiciansReadingStudy", "PhysiciansReadingStudyIdentificationSequence", "ReviewerName",
    "DeviceSerialNumber", "PlateID", "CassetteID", "GantryID", "DetectorID", "StructureSetName", "RTPlanName",
    "ProtocolName", "ReferencedStudySequence", "ReferencedPatientSequence", "ReferencedPerformedProcedureStepSequence",
    "StudyDescription", "SeriesDescription", "ImageComments", "DerivationDescription", "AdmittingDiagnosesDescription",
    "RequestAttributesSequence", "ContentSequence", "IconImageSequence", "SoftwareVersions",
    "ReferencedPatientPhotoSequence", "PatientState", "AdditionalPatientHistory", "Occupation",
    "ROIObservationLabel", "ReviewDate", "ReviewTime", "TimezoneOffsetFromUTC", "IssuerOfAdmissionIDSequence",
    "ModifiedAttributesSequence", "OriginalAttributesSequence", "DigitalSignaturesSequence", "MACParametersSequence",
    "EncryptedAttributesSequence",
}

# Groups removed whole: Patient (0010) except the attributes above, Study request (0032),
# Visit (0038), Procedure step / scheduling (0040), Results (4008), Curves (50xx, retired),
# Overlays (60xx: may hold annotation bitmaps; stricter).
REMOVED_GROUPS = {0x0010, 0x0032, 0x0038, 0x0040, 0x4008}
REMOVED_GROUP_RANGES = ((0x5000, 0x50FF), (0x6000, 0x60FF))

# Free-text VRs are removed unless listed here (stricter: Table E.1-1 names many of them; we
# also drop the ones it does not name, e.g. BeamDescription, PrescriptionDescription, DoseComment).
FREE_TEXT_VRS = {"LT", "ST", "UT", "UC"}
FREE_TEXT_WORDS = ("Description", "Comment", "Comments")  # in LO/SH keywords: free text (stricter)
KEEP_TEXT = {"CodeMeaning", "RescaleType", "ContextIdentifier"}

# UIDs kept as they are: those the standard defines (1.2.840.10008.*) and these attributes.
KEEP_UID_KEYWORDS = {"TransferSyntaxUID", "ImplementationClassUID", "CodingSchemeUID", "ContextGroupExtensionCreatorUID",
                     "MappingResourceUID", "ContextUID", "SOPClassUID", "MediaStorageSOPClassUID",
                     "ReferencedSOPClassUID", "AffectedSOPClassUID", "RelatedGeneralSOPClassUID",
                     "OriginalSpecializedSOPClassUID", "ReferencedSOPClassUIDInFile"}
STANDARD_UID_ROOT = "1.2.840.10008."

# Spatial registration objects: Content Date/Time are type 1 there, so D (a dummy) instead of Z.
TYPE1_CONTENT_DATE_CLASSES = {"1.2.840.10008.5.1.4.1.1.66.1", "1.2.840.10008.5.1.4.1.1.66.3"}
DUMMY_DATE, DUMMY_TIME = "19000101", "000000"

# PS3.16 CID 7050 codes written in De-identification Method Code Sequence (0012,0064).
CODE_BASIC_PROFILE = ("113100", "Basic Application Confidentiality Profile")
CODE_MODIFIED_DATES = ("113107", "Retain Longitudinal Temporal Information Modified Dates Option")


def tags(keywords) -> set[int]:
    out = set()
    for keyword in keywords:
        tag = tag_for_keyword(keyword)
        if tag is None:
            raise KeyError(f"unknown DICOM keyword {keyword!r} in the anonymiser's profile")
        out.add(int(tag))
    return out


EMPTY_TAGS = tags(EMPTY)
REMOVE_TAGS = tags(REMOVE)
PSEUDONYM_TAGS = tags(PSEUDONYM)
