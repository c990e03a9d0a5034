"""PDF report rendering (QtGui painter only)."""
