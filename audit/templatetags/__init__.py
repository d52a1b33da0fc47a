"""Template helpers of the investigation pages."""
