#!/usr/bin/env bash
# Stand-ins for the two base images, for machines that can reach a Debian mirror and the PyPI and npm
# registries but not Docker Hub (python:3.11-slim) or MCR (Azurite). Built from Debian bookworm's own
# packages (its Python is 3.11) with debootstrap; then, for example:
#   PYTHON_IMAGE=recsvc-standin/python:3.11-slim AZURITE_IMAGE=recsvc-standin/azurite:3.37.0 \
#     docker compose -f infra/docker-compose.yml up --build
# Needs root, a Docker engine and debootstrap (apt-get install debootstrap). CA_BUNDLE (this host's by
# default) is trusted inside the images: pip and npm then work behind a TLS-inspecting proxy too.
set -euo pipefail

MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
CA_BUNDLE=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
PYTHON_TAG=recsvc-standin/python:3.11-slim
AZURITE_VERSION=$(python3 -c "import json; print(json.load(open('package-lock.json'))['packages']['node_modules/azurite']['version'])")
AZURITE_TAG=recsvc-standin/azurite:${AZURITE_VERSION}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates bookworm "$work/rootfs" "$MIRROR" >/dev/null
cp "$CA_BUNDLE" "$work/rootfs/etc/ssl/certs/ca-certificates.crt"
tar -C "$work/rootfs" -c . | docker import \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt' \
    --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
    --change 'CMD ["python3"]' - "$PYTHON_TAG" >/dev/null
echo "built $PYTHON_TAG"

cat > "$work/Dockerfile" <<EOF
FROM $PYTHON_TAG
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm \
    && npm install --global --no-audit --no-fund --loglevel=error azurite@$AZURITE_VERSION \
    && rm -rf /var/lib/apt/lists/* /root/.npm
CMD ["azurite", "--location", "/data", "--blobHost", "0.0.0.0", "--queueHost", "0.0.0.0", "--tableHost", "0.0.0.0"]
EOF
docker build --quiet -t "$AZURITE_TAG" "$work" >/dev/null
echo "built $AZURITE_TAG"
