"""System logs: technical and security operations per organization, in their own database."""
