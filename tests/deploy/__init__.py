"""End-to-end deployment tests: the production server, a streaming replica, several workers."""
