"""Read DICOM RT objects (CT, RT Structure Set, RT Plan, RT Dose) and link them into a Case."""
