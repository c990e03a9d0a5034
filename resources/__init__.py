"""Data the program ships (protocols, the example case timeline, icons), installed as rtreview.resources."""
from importlib.resources import files


def resource_path(*parts: str):
    """A Traversable for a shipped resource, e.g. ``resource_path('protocols', 'x.json')``."""
    node = files(__name__)
    for part in parts:
        node = node / part
    return node
