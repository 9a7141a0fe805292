"""Training MedFILIP: SSM soft targets, the losses, and what feeds them."""
