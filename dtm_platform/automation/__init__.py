"""What the schedules and sensors of ``defs/automation.py`` read from the Dagster instance."""
