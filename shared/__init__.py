"""Code every runtime shares: settings, schemas, the model store and registry, observability."""
