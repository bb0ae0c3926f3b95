"""budgetlib: county fiscal disclosures → validated, traceable tables."""

__version__ = "0.1.0"
