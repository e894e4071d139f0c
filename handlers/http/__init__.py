"""The HTTP service: the FastAPI app, its middleware and routes (uvicorn in the container,
Mangum in Lambda)."""
