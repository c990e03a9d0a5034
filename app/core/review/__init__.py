"""Plan review sign-off: the append-only, tamper-evident review log kept in the case file
(``log``), the files a sign-off covers and their hashes (``files``), recording in a case file
(``case_log``). No Qt."""
from .log import (DECISIONS, LOG_KEY, ROLES, Entry, LogProblem, ReviewedFile, ReviewLogError, SignOff, entries,
                  verify_log)

__all__ = ["DECISIONS", "LOG_KEY", "ROLES", "Entry", "LogProblem", "ReviewedFile", "ReviewLogError", "SignOff",
           "entries", "verify_log"]
