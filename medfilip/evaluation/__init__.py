"""Evaluating MedFILIP models: zero-shot (single-label, multi-label, unseen classes), retrieval, linear probe and
fine-tuning, with scikit-learn metrics, bootstrap intervals, plots and reports (`medfilip evaluate`)."""
