# The RASL attribution dashboard as a server image. The build is one script, deploy/build.sh,
# which the test suite also runs (tests/test_deploy.py), so its steps are tested where no
# container can be built. Secrets and the cache are never in the image: the secrets file is
# mounted at run time (compose.yaml: secrets) and the cache lives in a volume at /data.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY . /src
RUN /src/deploy/build.sh /opt/rasl \
    && rm -rf /src \
    && useradd --system --uid 10001 --home-dir /data rasl \
    && mkdir -p /data && chown rasl /data

ENV PATH=/opt/rasl/venv/bin:$PATH \
    RASL_CACHE_DIR=/data \
    RASL_SECRETS_PATH=/run/secrets/rasl_secrets \
    RASL_PORT=8501
WORKDIR /opt/rasl/app
USER rasl
VOLUME ["/data"]
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=40s --retries=3 \
    CMD ["python", "deploy/healthcheck.py"]
# Listens on 0.0.0.0 only when [auth] is in the secrets file, or RASL_LISTEN_ADDRESS says so.
CMD ["python", "-m", "rasl_data", "serve"]
