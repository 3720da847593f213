"""Files to quads: formats, input guards, parsers, the allow-list reader (layer 3)."""
