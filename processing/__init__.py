"""Inputs to the model: chest X-ray images, text, and radiology reports turned into findings."""
