"""Anonymised export (Qt-free): DICOM PS3.15 Basic Application Level Confidentiality Profile with
consistent UID, pseudonym and label replacement (:mod:`.dataset`, rules in :mod:`.profile`), the
case timeline shifted by the same date offset (:mod:`.timeline`), folders and the key file
(:mod:`.export`). Details and the comparison with dicognito/deid: docs/clinic.md."""
