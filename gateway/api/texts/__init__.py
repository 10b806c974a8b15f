"""What shoppers read, in their language: the `ready` and `orderWithin` texts, reasons, nudges,
problem texts and prices, rendered from the domain's values with Babel (CLDR) and the gettext
catalogues of `locales/` (French and German; the English messages are the catalogues' keys).
It imports Babel and the API's context, never a type of the schema.
"""
