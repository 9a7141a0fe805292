"""Publishing to the Hugging Face Hub: file selection, safety checks, model and dataset cards, upload."""
