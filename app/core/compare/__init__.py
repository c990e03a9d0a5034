"""Plan comparison (no Qt): doses on one grid, dose difference, gamma, metrics side by side,
stored-vs-computed DVHs."""
