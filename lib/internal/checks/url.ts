import { propError } from '../errors';
import { Problem } from './require';

// scheme://userinfo@host... ; scp-like 'user@host:path' has no scheme and at most a user name.
const URL_WITH_USERINFO = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#@]*)@/;

// scp-like 'user:password@host:path'.
const SCP_WITH_PASSWORD = /^[^@/:]+:[^@/]*@/;
const CREDENTIALS = 'must not carry credentials (a user, token or password before "@"): give Argo CD a repository Secret instead';

/**
 * A Git repository URL written to Git (an Argo CD Application's repoURL) carries no credentials:
 * no password in any scheme, and no user at all in http(s) URLs (a token there is a credential).
 * 'git@github.com:acme/app.git' and 'ssh://git@host/repo.git' name the SSH user only: accepted.
 */
export function repoUrlCredentialsProblem(url: unknown): Problem {
  if (typeof url !== 'string') return undefined;
  const m = URL_WITH_USERINFO.exec(url);
  if (!m) return SCP_WITH_PASSWORD.test(url) ? CREDENTIALS : undefined;
  const scheme = m[1].toLowerCase();
  const userinfo = m[2];
  if (userinfo.includes(':') || scheme === 'http' || scheme === 'https') {
    return CREDENTIALS;
  }
  return undefined;
}

/** The URL with its userinfo replaced by '***', for messages (the credentials are never shown). */
export function redactUrl(url: string): string {
  return url.replace(URL_WITH_USERINFO, (_m, scheme: string) => `${scheme}://***@`).replace(SCP_WITH_PASSWORD, '***@');
}

/** Throws a KstackPropError for a repository URL with credentials, showing the URL redacted. */
export function checkRepoUrl(path: string, prop: string, url: unknown): void {
  const problem = repoUrlCredentialsProblem(url);
  if (problem !== undefined) throw propError(path, prop, problem, redactUrl(url as string));
}
