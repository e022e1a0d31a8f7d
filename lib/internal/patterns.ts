/**
 * The name and value formats Kubernetes checks (k8s.io/apimachinery/pkg/util/validation), in one
 * place: the props checks (lib/internal/validation.ts) and the gate (lib/validate) both use them.
 */

/** RFC 1123 label: Service and Namespace names, container and port names (at most 63 characters). */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** RFC 1123 subdomain: most object names (at most 253 characters). */
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A label value (at most 63 characters; may be empty). */
export const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
/** The name part of a label key or other qualified name (at most 63 characters). */
export const QUALIFIED_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
/** IANA service name: port names (at most 15 characters, a letter, no '--'). */
export const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
/** A C identifier: environment variable names kstack accepts. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A ConfigMap or Secret key. */
export const DATA_KEY = /^[-._a-zA-Z0-9]+$/;
/** An image tag (the part after ':'). */
export const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export function isDnsLabel(v: unknown): v is string {
  return typeof v === 'string' && v.length <= 63 && DNS_LABEL.test(v);
}

export function isDnsSubdomain(v: unknown): v is string {
  return typeof v === 'string' && v.length <= 253 && DNS_SUBDOMAIN.test(v);
}

export function isLabelValue(v: unknown): v is string {
  return typeof v === 'string' && v.length <= 63 && LABEL_VALUE.test(v);
}
