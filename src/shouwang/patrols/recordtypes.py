"""Record types of field work (registered by the phone-app/office helpers)."""
