"""The server processes: the launcher, its CPU budget, and the health port beside each worker.

Kept free of imports: the health responder starts from this package in ~50 ms. See README.md.
"""
