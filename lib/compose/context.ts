import * as path from 'path';
import { SecretKeyRef, WorkloadDescription } from '../workload';
import { ComposeEnvVariable } from './types';

/** Escapes a literal for the compose file: `$` would start an interpolation. */
export function literal(value: string): string {
  return value.replace(/\$/g, '$$$$');
}

/** `${NAME:?...}`: Compose refuses to start (with this hint) when `.env` does not set the variable. */
export function interpolate(name: string): string {
  return `\${${name}:?copy .env.example to .env}`;
}

const refKey = (ref: SecretKeyRef) => `${ref.name}\0${ref.key}`;

/**
 * Decides where each Secret key a workload reads comes from in Compose: a `.env` variable
 * (`${NAME}` in the compose file, a placeholder in `.env.example`), or a value derived from
 * other variables (e.g. the database URL built from user, password and database name).
 * The first workload to read a Secret key names its variable, so the database's
 * POSTGRES_PASSWORD is registered before the backend's PGPASSWORD reads the same key.
 */
export class SecretEnv {
  private readonly byRef = new Map<string, string>();
  private readonly vars = new Map<string, ComposeEnvVariable>();

  /** Registers a `.env` variable for a Secret key and returns its interpolation. */
  variable(ref: SecretKeyRef, preferredName: string, placeholder: string, description: string, service: string): string {
    const existing = this.byRef.get(refKey(ref));
    if (existing !== undefined) return existing;
    let name = preferredName;
    if (this.vars.has(name)) name = `${preferredName}_${service.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
    for (let i = 2; this.vars.has(name); i++) name = `${preferredName}_${i}`;
    this.vars.set(name, { name, placeholder, description });
    const expr = interpolate(name);
    this.byRef.set(refKey(ref), expr);
    return expr;
  }

  /** Gives a Secret key a value computed in the compose file (a literal or built from variables). */
  derive(ref: SecretKeyRef, value: string): void {
    if (!this.byRef.has(refKey(ref))) this.byRef.set(refKey(ref), value);
  }

  /** The compose value of a Secret key, registering a variable named after the env var when it is new. */
  resolve(ref: SecretKeyRef, envName: string, service: string): string {
    return (
      this.byRef.get(refKey(ref)) ??
      this.variable(ref, envName, 'change-me', `Secret ${ref.name}, key ${ref.key} (${service}: ${envName})`, service)
    );
  }

  /** The registered variables, sorted by name. */
  variables(): ComposeEnvVariable[] {
    return [...this.vars.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

/** What a workload mapping needs besides its own description. */
export interface MappingContext {
  /** Path from the compose folder to the folder build contexts are relative to (POSIX separators). */
  readonly contextRoot: string;
  /** Where Secret keys come from. */
  readonly secrets: SecretEnv;
}

/** The build context as seen from the compose folder. */
export function buildContext(ctx: MappingContext, workload: WorkloadDescription): string {
  const joined = path.posix.normalize(path.posix.join(ctx.contextRoot, workload.build!.context));
  return joined.startsWith('.') || joined.startsWith('/') ? joined : `./${joined}`;
}
