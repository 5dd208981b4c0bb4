"""labsim: a stateful simulation of Tibero, Tibero Cluster Manager and ProSync for the tibero.cm lab.

Python 3 standard library only. Every tool takes its roots from the environment (see common.py)
so several simulated nodes can run on one host in tests. Not shipped in the collection.
"""
