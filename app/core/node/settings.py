"""Where received plans are kept when no folder is named: ``$RTREVIEW_STORE``, else the user's data
folder (``$XDG_DATA_HOME/rtreview/received``, default ``~/.local/share/rtreview/received``)."""
from __future__ import annotations

import os
from pathlib import Path


def default_store_dir() -> Path:
    explicit = os.environ.get("RTREVIEW_STORE")
    if explicit:
        return Path(explicit)
    data_home = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(data_home) / "rtreview" / "received"
