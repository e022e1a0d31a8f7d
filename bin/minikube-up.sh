#!/usr/bin/env bash
# Local Minikube cluster for `pulumi up --stack dev` (docs/pulumi.md): Docker runtime (so images can be
# built straight into the node's Docker daemon with kstack:imageMode docker-env), the ingress addon
# (ingress-nginx, so kstack:installIngressNginx stays false) and the registry addon.
# Idempotent. Profile name: MINIKUBE_PROFILE (default minikube; it is also the kube context).
# Tear down: minikube delete
set -euo pipefail

PROFILE="${MINIKUBE_PROFILE:-minikube}"

for tool in minikube kubectl; do
  command -v "$tool" >/dev/null || { echo "minikube-up: '$tool' is not installed" >&2; exit 1; }
done

minikube start --profile "${PROFILE}" --container-runtime=docker
minikube addons enable ingress --profile "${PROFILE}"
minikube addons enable registry --profile "${PROFILE}"
kubectl --context "${PROFILE}" -n ingress-nginx rollout status deployment/ingress-nginx-controller --timeout=180s

cat <<INFO

minikube-up: ready.
  kube context  ${PROFILE}   (kstack:kubeContext)
  cluster IP    $(minikube ip --profile "${PROFILE}")
Before every pulumi up, point Docker at the node's daemon in that shell:
  eval \$(minikube docker-env --profile ${PROFILE})
INFO
