"""Explanations: where on the X-ray each finding is seen, and which of its described attributes match."""
