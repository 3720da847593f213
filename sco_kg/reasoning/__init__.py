"""OWL 2 RL inference: guards, engines, tiers, the materialised closure (layer 4)."""
