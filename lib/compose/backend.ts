import { CheckSpec, WorkloadDescription } from '../workload';
import { MappingContext } from './context';
import { baseService, commandCheck, withPreStart } from './service';
import { ComposeService } from './types';

/**
 * An HTTP check for a Python image: the FastAPI image has python3 but no curl or wget, so the
 * healthcheck is a urllib one-liner (urlopen raises on 4xx/5xx and connection errors).
 */
export function pythonHttpCheck(check: CheckSpec['check']): string[] {
  if (check.kind === 'command') return commandCheck(check);
  const url = `http://127.0.0.1:${check.port}${check.path}`;
  return ['CMD', 'python3', '-c', `import urllib.request; urllib.request.urlopen(${JSON.stringify(url)}, timeout=5)`];
}

/** Backend (FastAPI): the shared mapping, a python healthcheck, and the migration as a one-shot service. */
export function backendServices(w: WorkloadDescription, ctx: MappingContext): Record<string, ComposeService> {
  return withPreStart(w.name, baseService(w, ctx, pythonHttpCheck), w);
}
