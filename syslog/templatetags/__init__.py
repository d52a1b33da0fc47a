"""Template tags of the system log app."""
