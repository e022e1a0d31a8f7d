#!/usr/bin/env bash
# Local Minikube cluster for `pulumi up --stack dev` (docs/pulumi.md): Docker runtime, so images are
# built straight into the node's Docker daemon (kstack:imageMode docker-env), and the registry addon.
# No ingress controller: with kstack:gatewayController traefik the Pulumi program installs the pinned
# Gateway API CRDs and Traefik chart (lib/pulumi/cluster.ts). The ingress addon is ingress-nginx, which
# the Kubernetes project retired (no releases or security fixes since March 2026): it is enabled only
# with KSTACK_INGRESS_NGINX=1, for an environment that still renders NginxIngress.
# Idempotent. Profile name: MINIKUBE_PROFILE (default minikube; it is also the kube context).
# Tear down: minikube delete --profile "${MINIKUBE_PROFILE:-minikube}"
set -euo pipefail

PROFILE="${MINIKUBE_PROFILE:-minikube}"
INGRESS_NGINX="${KSTACK_INGRESS_NGINX:-0}"

case "${INGRESS_NGINX}" in
  0 | 1) ;;
  *) echo "minikube-up: KSTACK_INGRESS_NGINX must be 0 or 1, got '${INGRESS_NGINX}'" >&2; exit 2 ;;
esac
for tool in minikube kubectl; do
  command -v "$tool" >/dev/null || { echo "minikube-up: '$tool' is not installed" >&2; exit 1; }
done

minikube start --profile "${PROFILE}" --container-runtime=docker
minikube addons enable registry --profile "${PROFILE}"
if [ "${INGRESS_NGINX}" = 1 ]; then
  echo "minikube-up: enabling the ingress addon (ingress-nginx, retired upstream) because KSTACK_INGRESS_NGINX=1" >&2
  minikube addons enable ingress --profile "${PROFILE}"
  kubectl --context "${PROFILE}" -n ingress-nginx rollout status deployment/ingress-nginx-controller --timeout=180s
fi
kubectl --context "${PROFILE}" get nodes

cat <<INFO

minikube-up: ready.
  kube context  ${PROFILE}   (kstack:kubeContext)
  cluster IP    $(minikube ip --profile "${PROFILE}")
For the Gateway API (Traefik installed by pulumi up):
  pulumi config set kstack:gatewayController traefik
Before every pulumi up, point Docker at the node's daemon in that shell:
  eval \$(minikube docker-env --profile ${PROFILE})
INFO
