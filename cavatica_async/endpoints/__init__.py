"""Endpoint groups: one module per job family, each a declaration of paths, bodies and models."""
