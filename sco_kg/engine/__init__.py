"""The query boundary: every query runs through engine.run (layer 6)."""
