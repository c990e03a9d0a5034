"""``python -m rtreview`` == ``rtreview``."""
import sys

from rtreview.cli.main import main

sys.exit(main())
