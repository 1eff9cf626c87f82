"""Explanations: why a finding's figures may legitimately differ. They annotate, never hide."""
