#!/usr/bin/env bash
# Local k3d cluster for `pulumi up --stack dev` (docs/pulumi.md, docs/routing.md):
#   - a registry the host pushes to as localhost:5000 and the cluster pulls from as k3d-kstack-registry:5000
#   - k3s's bundled Traefik kept, with its Gateway API provider enabled: the dev stack routes through
#     HTTPRoute (stacks/environments.ts: router gateway-api, a Gateway of class 'traefik'); nothing else to install
#   - the Gateway API CRDs: k3s ships them with Traefik (traefik-crd chart, or gateway-api-crd from k3s 1.37);
#     the pinned standard channel is applied only when the cluster has none
#   - ports 80 and 443 of the host mapped to the cluster's load balancer (Traefik's web and websecure entrypoints)
# Idempotent: existing registry and cluster are kept. Override names with KSTACK_CLUSTER, KSTACK_REGISTRY,
# KSTACK_REGISTRY_PORT, the node image with KSTACK_K3S_IMAGE. Tear down:
#   k3d cluster delete kstack && k3d registry delete k3d-kstack-registry
# Pinned versions (docs/routing.md "Pinned versions" lists the same; the Pulumi program follows them):
#   k3s image             rancher/k3s:v1.34.7-k3s1 (Traefik v3.6, Gateway API CRDs bundled; k3s-io/k3s#13922)
#   Gateway API CRDs      v1.4.0 standard channel, only if missing (Traefik v3.6 supports v1.4.0:
#                         doc.traefik.io reference/install-configuration/providers/kubernetes/kubernetes-gateway)
# Sources: HelmChartConfig for packaged components (docs.k3s.io/add-ons/helm, "Customizing Packaged
# Components with HelmChartConfig"); Traefik chart value providers.kubernetesGateway.enabled (traefik-helm-chart values.yaml).
set -euo pipefail

CLUSTER="${KSTACK_CLUSTER:-kstack}"
REGISTRY="${KSTACK_REGISTRY:-kstack-registry}"
REGISTRY_PORT="${KSTACK_REGISTRY_PORT:-5000}"
K3S_IMAGE="${KSTACK_K3S_IMAGE:-rancher/k3s:v1.34.7-k3s1}"
GATEWAY_API_VERSION="v1.4.0"
GATEWAY_API_CRDS="https://github.com/kubernetes-sigs/gateway-api/releases/download/${GATEWAY_API_VERSION}/standard-install.yaml"

for tool in docker k3d kubectl; do
  command -v "$tool" >/dev/null || { echo "k3d-up: '$tool' is not installed" >&2; exit 1; }
done
KUBECTL=(kubectl --context "k3d-${CLUSTER}")
did=()

if docker container inspect "k3d-${REGISTRY}" >/dev/null 2>&1; then
  echo "k3d-up: registry k3d-${REGISTRY} exists"
else
  k3d registry create "${REGISTRY}" --port "${REGISTRY_PORT}"
  did+=("created registry k3d-${REGISTRY} (localhost:${REGISTRY_PORT})")
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
    --image "${K3S_IMAGE}" \
    --registry-use "k3d-${REGISTRY}:${REGISTRY_PORT}" \
    --registry-config "${REGISTRY_CONFIG}" \
    -p '80:80@loadbalancer' \
    -p '443:443@loadbalancer' \
    --wait
  did+=("created cluster ${CLUSTER} (${K3S_IMAGE}, Traefik kept)")
fi

# A cluster made by an earlier k3d-up.sh ran without Traefik (--disable=traefik): it cannot serve the Gateway API.
if ! "${KUBECTL[@]}" get helmchart traefik -n kube-system >/dev/null 2>&1; then
  echo "k3d-up: cluster ${CLUSTER} runs without k3s's Traefik (made by an older k3d-up.sh with --disable=traefik);" >&2
  echo "        recreate it: k3d cluster delete ${CLUSTER} && bin/k3d-up.sh (see docs/routing.md)" >&2
  exit 1
fi

if "${KUBECTL[@]}" get crd httproutes.gateway.networking.k8s.io gateways.gateway.networking.k8s.io >/dev/null 2>&1; then
  bundle="$("${KUBECTL[@]}" get crd gateways.gateway.networking.k8s.io -o jsonpath='{.metadata.annotations.gateway\.networking\.k8s\.io/bundle-version}')"
  echo "k3d-up: Gateway API CRDs present (bundle ${bundle:-unknown}, shipped with k3s)"
else
  "${KUBECTL[@]}" apply --server-side -f "${GATEWAY_API_CRDS}"
  did+=("installed the Gateway API CRDs ${GATEWAY_API_VERSION} (standard channel)")
fi

# Enable Traefik's Gateway API provider; k3s's helm-controller re-deploys Traefik with it. Its chart
# then creates the GatewayClass 'traefik' that the dev stack's Gateway names.
"${KUBECTL[@]}" apply -f - <<'YAML'
apiVersion: helm.cattle.io/v1
kind: HelmChartConfig
metadata:
  name: traefik
  namespace: kube-system
spec:
  valuesContent: |-
    providers:
      kubernetesGateway:
        enabled: true
YAML
did+=("enabled Traefik's Gateway API provider (HelmChartConfig kube-system/traefik)")

echo "k3d-up: waiting for the GatewayClass 'traefik' to be accepted"
for _ in $(seq 90); do
  "${KUBECTL[@]}" get gatewayclass traefik >/dev/null 2>&1 && break
  sleep 2
done
"${KUBECTL[@]}" wait --for=condition=Accepted gatewayclass/traefik --timeout=180s
"${KUBECTL[@]}" -n kube-system rollout status deployment/traefik --timeout=180s

"${KUBECTL[@]}" get nodes
cat <<INFO

k3d-up: ready.
$(for d in "${did[@]}"; do echo "  - ${d}"; done)
  kube context     k3d-${CLUSTER}               (kstack:kubeContext)
  push from host   localhost:${REGISTRY_PORT}             (kstack:registry)
  pull in cluster  k3d-${REGISTRY}:${REGISTRY_PORT}  (kstack:clusterRegistry)
  router           Gateway API through k3s's Traefik (GatewayClass traefik); no ingress-nginx is needed
Next: pulumi login --local && pulumi stack init dev && pulumi up   (see docs/pulumi.md, docs/routing.md)
INFO
