"""The original Inferno design: FastAPI + uvicorn, a joblib pipeline loaded at start-up.

Deliberately plain (no validation beyond the types, no logging, metrics or request ids) so the
benchmark shows what our instrumentation and safety cost. The pipeline path comes from
INFERNO_BASELINE_MODEL; the original read `model.pkl` from S3, which would only time the network.
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import joblib
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

MODEL_PATH_ENV = "INFERNO_BASELINE_MODEL"
pipeline: Any = None


class SentimentRequest(BaseModel):
    text: str


class SentimentResponse(BaseModel):
    text: str
    sentiment: str


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    global pipeline
    pipeline = joblib.load(os.environ[MODEL_PATH_ENV])
    yield


app = FastAPI(lifespan=lifespan)


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


# `async def` calling the model inline, as the original did: one model call per request.
@app.post("/predict")
async def predict(request: SentimentRequest) -> SentimentResponse:
    if pipeline is None:
        raise HTTPException(status_code=500, detail="Model not loaded")
    [label] = pipeline.predict([request.text])
    return SentimentResponse(text=request.text, sentiment=str(label))
