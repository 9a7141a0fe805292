"""MedFILIP: medical fine-grained language-image pre-training for chest X-rays."""
