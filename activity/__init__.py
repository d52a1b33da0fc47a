"""Activity history: the audit events presented for the people doing the work."""
