"""MedFILIP dataset builders: chest X-ray releases in their official layouts as Hugging Face datasets."""
