"""Record types of the hazard register."""
