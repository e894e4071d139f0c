"""Bulk scoring jobs: records in, one JSONL line per record out, one summary per job.

The same code runs as the Distributed Map child on AWS (handlers/batch_job/) and in the local
runner (`inferno jobs run`); only who reads the records and fans out the batches differs.
"""
