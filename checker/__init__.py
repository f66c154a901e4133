"""Itaku Checker (委託チェッカー): checks outsourcing contracts and consultations of a
Japanese municipality for the personal-information safeguards a council asks for.

Nothing is imported eagerly here: ``itaku --help`` must stay fast (spaCy loads lazily).
"""

__version__ = "0.1.0"
