"""File ▸ Receive from planning system…: the DICOM listener's controls and the worklist of what
arrived (a dock), built on rtreview.core.node."""
