"""Entry point of the desktop bundle: the same front door as the ``rtreview`` command."""
import multiprocessing
import sys

from rtreview.cli.main import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # `rtreview batch --workers N` starts worker processes
    sys.exit(main())
