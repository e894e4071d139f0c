"""`python -m handlers.server APP [uvicorn options]`: the image's command (launcher.py)."""

import runpy

# Run as the main module, not imported: where workers are spawned rather than forked,
# multiprocessing re-runs a main module in each (as __mp_main__, where the launcher preloads the
# app), but never a package's __main__.
runpy.run_module("handlers.server.launcher", run_name="__main__", alter_sys=True)
