"""Validation of parsed evidence documents, one module per document kind; builder.py dispatches
and runs the whole-evidence checks."""
