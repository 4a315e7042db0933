"""Parts of the shared test world kept by their apps (see tests/conftest.py)."""
