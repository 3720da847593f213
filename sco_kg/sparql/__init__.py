"""SPARQL text, never evaluated: the gate, #+ headers, the catalogue, parameters (layer 2)."""
