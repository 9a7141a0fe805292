"""Evaluating MedFILIP models: zero-shot classification and its metrics."""
