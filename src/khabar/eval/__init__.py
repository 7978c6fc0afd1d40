"""Evaluation against judged data (``khabar eval``)."""
