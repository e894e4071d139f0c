"""The serving core: the loaded models (registry, hot reload, verification), input validation,
the batcher that runs model calls off the event loop, and the one prediction path."""
