"""Qt-free core: DICOM RT loading, DVH engine, constraints, case timeline.

Nothing under ``rtreview.core`` may import PySide6, shiboken6 or pyqtgraph (a test enforces it).
"""
