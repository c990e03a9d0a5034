"""Qt views of app.core models."""
from .qt_compat import protect_singletons

protect_singletons()
