"""Routes, one module per resource: each handler validates, delegates to the serving core,
and answers."""
