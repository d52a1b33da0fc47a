"""Services: every write to the audit store goes through these functions."""
