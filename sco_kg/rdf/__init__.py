"""RDF terms and IRIs: one Term/Quad model, N-Triples escaping, blank-node canonicalisation (layer 1)."""
