# Inferno MLaaS image: uvicorn + FastAPI on ECS Fargate; the same image runs as a Lambda
# container image (the entrypoint hands over to awslambdaric when AWS_LAMBDA_RUNTIME_API is set).

# python:3.11-slim-bookworm (official image), pinned by a published index digest. Refresh with
#   docker buildx imagetools inspect python:3.11-slim-bookworm --format '{{json .Manifest.Digest}}'
FROM python:3.11-slim-bookworm@sha256:a36c24f9cbdf4fd0f52d67f0823eeac19c2028c637cecc392d97f980d4fec56b AS base

FROM base AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    POETRY_NO_INTERACTION=1 \
    POETRY_VIRTUALENVS_IN_PROJECT=true
RUN python -m venv /opt/poetry && /opt/poetry/bin/pip install poetry==2.5.1
WORKDIR /app
# Dependencies first, from the lock file: this layer is rebuilt only when the lock changes.
COPY pyproject.toml poetry.lock ./
RUN /opt/poetry/bin/poetry sync --only main --no-root --compile
COPY README.md ./
COPY shared/ shared/
COPY handlers/ handlers/
COPY model_build/ model_build/
# Installs the project itself (the `inferno` console script), and compiles its own bytecode here
# once: the container's root filesystem is read-only and PYTHONDONTWRITEBYTECODE is set, so every
# start (each worker, each Lambda cold start) would otherwise compile each module it imports.
RUN /opt/poetry/bin/poetry sync --only main --compile \
    && /app/.venv/bin/python -m compileall -q -j 0 shared handlers model_build

# What every image of the project shares: the unprivileged user and the venv on PATH.
FROM base AS app
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/app/.venv/bin:$PATH
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin app
WORKDIR /app

# The daily retraining task (iac/retrain.tf): the service's code plus the training group
# (skl2onnx, the corpora), run as `inferno retrain MODEL --data s3://...`. Build it with
# `--target training`; the last stage below, the service, is the default.
FROM build AS build-training
RUN /opt/poetry/bin/poetry sync --only main,train --compile

FROM app AS training
COPY --from=build-training /app /app
RUN chmod 1777 /tmp
VOLUME ["/tmp"]
USER 10001:10001
ENTRYPOINT ["inferno"]
CMD ["retrain", "--help"]

FROM app AS runtime
# Owned by root and read-only to the app user; ECS also mounts the root filesystem read-only.
COPY --from=build /app /app
# ECS mounts the task's "tmp" volume at /tmp over a read-only root. Fargate seeds a bind mount
# from the image's VOLUME (contents and mode, here 1777); without one the mount is root-owned
# 0755 and the app user cannot write its scratch files there.
RUN chmod 1777 /tmp
VOLUME ["/tmp"]
USER 10001:10001
# Traffic on 8000; health checks on 8081, answered beside each worker by a process a flood of
# requests cannot delay (handlers/server/README.md). HOST is the interface that port binds.
ENV HEALTH_PORT=8081 \
    HOST=0.0.0.0
EXPOSE 8000 8081
# Readiness, not liveness: the task is healthy once a model is loaded. No curl in slim images.
HEALTHCHECK --interval=15s --timeout=5s --start-period=90s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8081/ready', timeout=4)"]
# Lambda (container image) sets AWS_LAMBDA_RUNTIME_API and passes the function's
# image_config.command to this ENTRYPOINT as arguments: one handler (iac/jobs.tf's batch function
# names handlers.batch_job.handler) is the one awslambdaric serves. A function without a command
# gets the image's CMD instead (the uvicorn line below): it serves the HTTP handler.
ENTRYPOINT ["/bin/sh", "-c", "if [ -n \"${AWS_LAMBDA_RUNTIME_API:-}\" ]; then handler=handlers.lambda_function.handler; if [ \"$#\" -eq 1 ]; then handler=$1; fi; exec python -m awslambdaric \"$handler\"; fi; exec \"$@\"", "inferno-entrypoint"]
# uvicorn with one worker process per CPU of the task (TASK_CPU_UNITS from Terraform, else the
# cgroup quota, else the CPUs we may run on; WEB_CONCURRENCY overrides): handlers/server/.
# Keep-alive (75 s) outlives the ALB idle timeout (60 s); graceful shutdown (20 s) ends before
# ECS stopTimeout (30 s). Any forwarding address is trusted: only the ALB reaches the task.
# The app writes its own JSON access line per request, so uvicorn's plain-text one is off.
CMD ["python", "-m", "handlers.server", "handlers.http.app:app", "--host", "0.0.0.0", "--port", "8000", "--proxy-headers", "--forwarded-allow-ips", "*", "--timeout-keep-alive", "75", "--timeout-graceful-shutdown", "20", "--no-access-log"]
