"""An example third-party leadline plugin: one of each thing a plugin can add."""
