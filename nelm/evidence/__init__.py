"""The evidence: its model, the strict YAML reader, loading and caching, and validation."""
