"""Manual rigid registration of a second CT onto the reference CT, saved as DICOM REG."""
