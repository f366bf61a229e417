"""nelm: explore the published evidence on treatments for neuroendocrine liver metastases."""

__version__ = "0.1.0"
