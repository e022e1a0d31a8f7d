/**
 * The subset of the Compose file format kstack writes. It is accepted by both Debian's
 * docker-compose 1.29 (Compose spec without a top-level `version:` or `name:`) and `docker compose` v2.
 */

/** A Compose healthcheck (exec form). */
export interface ComposeHealthcheck {
  readonly test: readonly string[];
  readonly interval: string;
  readonly timeout: string;
  readonly retries: number;
  readonly start_period?: string;
}

/** A `depends_on` condition. */
export type ComposeDependsOnCondition = 'service_started' | 'service_healthy' | 'service_completed_successfully';

/** A Compose build section. */
export interface ComposeBuild {
  /** Build context, relative to the folder of the compose file. */
  readonly context: string;
  /** Dockerfile, relative to the context. */
  readonly dockerfile: string;
}

/** One Compose service. Keys are written in this order. */
export interface ComposeService {
  readonly image: string;
  readonly build?: ComposeBuild;
  readonly entrypoint?: readonly string[];
  readonly command?: readonly string[];
  readonly user?: string;
  readonly restart: 'unless-stopped' | 'no';
  /** Profiles the service belongs to: it starts only with `--profile`, or when named (`docker compose run`). */
  readonly profiles?: readonly string[];
  readonly read_only?: boolean;
  readonly tmpfs?: readonly string[];
  readonly cap_drop?: readonly string[];
  readonly security_opt?: readonly string[];
  readonly environment?: Readonly<Record<string, string>>;
  readonly expose?: readonly string[];
  readonly ports?: readonly string[];
  readonly volumes?: readonly string[];
  readonly healthcheck?: ComposeHealthcheck;
  readonly depends_on?: Readonly<Record<string, { readonly condition: ComposeDependsOnCondition }>>;
  readonly cpus?: string;
  readonly mem_limit?: string;
}

/** A whole compose file. */
export interface ComposeFile {
  readonly services: Readonly<Record<string, ComposeService>>;
  readonly volumes?: Readonly<Record<string, Record<string, never>>>;
}

/** One variable of `.env`. */
export interface ComposeEnvVariable {
  /** Variable name, referenced as `${NAME}` from the compose file. */
  readonly name: string;
  /** Placeholder written to `.env.example`. */
  readonly placeholder: string;
  /** What it is, written as a comment above it. */
  readonly description: string;
}

/** The rendered project: file contents by path relative to the compose folder, plus the parsed parts. */
export interface ComposeProject {
  /** `docker-compose.yml`, `nginx/nginx.conf` (when the tree has an NginxIngress) and `.env.example`, in this order. */
  readonly files: Readonly<Record<string, string>>;
  /** The compose file as an object (what `docker-compose.yml` serializes). */
  readonly compose: ComposeFile;
  /** The variables `.env` must define, sorted by name. */
  readonly variables: readonly ComposeEnvVariable[];
  /** What the construct tree has that Compose cannot express, one line each (also in the file's header). */
  readonly unmapped: readonly string[];
}
