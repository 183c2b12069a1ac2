"""records-req: public-records requests about 287(g) and ICE cooperation.

The core (laws, calendars, deadlines) is pure and importable without the CLI:

>>> from records_req import laws, deadlines
"""

__version__ = "0.1.0"
