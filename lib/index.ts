export * from './workload';
export * from './postgres';
export * from './fastapi-backend';
export * from './next-frontend';
export * from './nginx-ingress';
export * from './argo-app';
export * from './app-namespace';
export { KstackPropError } from './internal/errors';
