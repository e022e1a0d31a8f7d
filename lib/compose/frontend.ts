import { CheckSpec, WorkloadDescription } from '../workload';
import { MappingContext } from './context';
import { baseService, commandCheck, withPreStart } from './service';
import { ComposeService } from './types';

/** An HTTP check for a Node.js image (node >= 18 has fetch; the Next.js standalone image has no curl). */
export function nodeHttpCheck(check: CheckSpec['check']): string[] {
  if (check.kind === 'command') return commandCheck(check);
  const url = `http://127.0.0.1:${check.port}${check.path}`;
  return ['CMD', 'node', '-e', `fetch(${JSON.stringify(url)}).then((r) => process.exit(r.status < 400 ? 0 : 1), () => process.exit(1))`];
}

/** Frontend (Next.js standalone): the shared mapping with a node healthcheck; the API URL is in its config. */
export function frontendServices(w: WorkloadDescription, ctx: MappingContext): Record<string, ComposeService> {
  return withPreStart(w.name, baseService(w, ctx, nodeHttpCheck), w);
}
