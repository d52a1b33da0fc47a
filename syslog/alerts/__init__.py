"""Alert rules, their evaluation, and the alerts they raise (each one an `alert.raised` system log entry)."""
