#!/usr/bin/env bash
# Local k3d cluster for `pulumi up --stack dev` (docs/pulumi.md):
#   - a registry the host pushes to as localhost:5000 and the cluster pulls from as k3d-kstack-registry:5000
#   - Traefik disabled (the app uses ingress-nginx: kstack:installIngressNginx true in Pulumi.dev.yaml)
#   - ports 80 and 443 of the host mapped to the cluster's load balancer
# Idempotent: existing registry and cluster are kept. Override names with KSTACK_CLUSTER, KSTACK_REGISTRY,
# KSTACK_REGISTRY_PORT. Tear down: k3d cluster delete kstack && k3d registry delete k3d-kstack-registry
set -euo pipefail

CLUSTER="${KSTACK_CLUSTER:-kstack}"
REGISTRY="${KSTACK_REGISTRY:-kstack-registry}"
REGISTRY_PORT="${KSTACK_REGISTRY_PORT:-5000}"

for tool in docker k3d kubectl; do
  command -v "$tool" >/dev/null || { echo "k3d-up: '$tool' is not installed" >&2; exit 1; }
done

if docker container inspect "k3d-${REGISTRY}" >/dev/null 2>&1; then
  echo "k3d-up: registry k3d-${REGISTRY} exists"
else
  k3d registry create "${REGISTRY}" --port "${REGISTRY_PORT}"
fi

if k3d cluster list --no-headers | awk '{print $1}' | grep -qx "${CLUSTER}"; then
  echo "k3d-up: cluster ${CLUSTER} exists"
  k3d cluster start "${CLUSTER}"
else
  # The nodes also resolve localhost:${REGISTRY_PORT} to the registry, so the image names of the dev
  # YAML (localhost:5000/...) pull inside the cluster as they push from the host.
  REGISTRY_CONFIG="$(mktemp)"
  trap 'rm -f "${REGISTRY_CONFIG}"' EXIT
  cat > "${REGISTRY_CONFIG}" <<YAML
mirrors:
  "localhost:${REGISTRY_PORT}":
    endpoint:
      - http://k3d-${REGISTRY}:${REGISTRY_PORT}
YAML
  k3d cluster create "${CLUSTER}" \
    --registry-use "k3d-${REGISTRY}:${REGISTRY_PORT}" \
    --registry-config "${REGISTRY_CONFIG}" \
    --k3s-arg '--disable=traefik@server:0' \
    -p '80:80@loadbalancer' \
    -p '443:443@loadbalancer' \
    --wait
fi

kubectl --context "k3d-${CLUSTER}" get nodes
cat <<INFO

k3d-up: ready.
  kube context     k3d-${CLUSTER}               (kstack:kubeContext)
  push from host   localhost:${REGISTRY_PORT}             (kstack:registry)
  pull in cluster  k3d-${REGISTRY}:${REGISTRY_PORT}  (kstack:clusterRegistry)
Next: pulumi login --local && pulumi stack init dev && pulumi up   (see docs/pulumi.md)
INFO
