"""Training of the shipped model heads (`narrascope train ...`)."""
