"""DVH plot, constraint limits drawn on it, metrics table."""
