"""Questions the window asks; each is a classmethod ``ask()`` that tests replace."""
from __future__ import annotations

from PySide6 import QtWidgets

REPLACE, ADD, CANCEL = "replace", "add", "cancel"


class ReplaceOrAddDialog:
    """Asked when a new load holds another patient than the one on screen."""

    @classmethod
    def ask(cls, parent: QtWidgets.QWidget | None, current: str, new: str) -> str:
        """REPLACE, ADD or CANCEL."""
        box = QtWidgets.QMessageBox(parent)
        box.setIcon(QtWidgets.QMessageBox.Icon.Question)
        box.setWindowTitle("Another patient")
        box.setText(f"The files just loaded belong to {new}.\nOn screen: {current}.")
        box.setInformativeText("Replace the current patient, or add the new one beside it?")
        replace = box.addButton("Replace", QtWidgets.QMessageBox.ButtonRole.AcceptRole)
        add = box.addButton("Add", QtWidgets.QMessageBox.ButtonRole.ActionRole)
        box.addButton(QtWidgets.QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(replace)
        box.exec()
        clicked = box.clickedButton()
        return REPLACE if clicked is replace else ADD if clicked is add else CANCEL


def _last_folder(parent) -> str:
    """The folder DICOM was last opened from (the window's preferences), '' when unknown."""
    prefs = getattr(parent, "prefs", None)
    return prefs.last_folder("dicom") if prefs is not None else ""


class OpenDialog:
    @classmethod
    def ask_files(cls, parent: QtWidgets.QWidget | None) -> list[str]:
        paths, _ = QtWidgets.QFileDialog.getOpenFileNames(
            parent, "Open DICOM files or zip archives", _last_folder(parent),
            "DICOM or zip (*.dcm *.DCM *.zip);;All files (*)")
        return paths

    @classmethod
    def ask_folder(cls, parent: QtWidgets.QWidget | None) -> list[str]:
        path = QtWidgets.QFileDialog.getExistingDirectory(parent, "Open a folder of DICOM files", _last_folder(parent))
        return [path] if path else []
