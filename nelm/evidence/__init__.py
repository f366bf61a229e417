"""The evidence: its model, the strict YAML reader, loading and caching, validation, and the fields of
a patient profile that selection criteria compare."""
