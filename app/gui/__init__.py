"""Qt views of app.core models."""
