"""The case timeline pane: lanes, markers, warnings, the event form."""
