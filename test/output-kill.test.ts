import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { OUTPUT_STATE_FOLDER, recoverOutput, writeOutput } from '../lib';
import { digests, generatedVersions, median, recordOf, runWriter, sameTree, saveSources, snapshot, Tree } from './output-helpers';

// The Done-when of issue #15: a child process writes an output through lib/output.ts and is
// SIGKILLed at many moments of the write, 100 trials over a small and a large generated stack.
// After each kill, every file of the folder is byte-identical to the last complete output or to
// the new one; the folder holds one of them whole unless the kill landed in the rename pass (its
// journal then exists, and every file is still whole); the next run completes or cleans up.
// Half the trials kill after a delay spread over the write, half just before the child's N-th
// file-system call, N spread over the write and covering every rename of the rename pass.

const TRIALS_PER_STACK = 50;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kstack-kill-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

interface Stack {
  readonly name: string;
  readonly before: Tree;
  readonly after: Tree;
  readonly target: string;
  readonly sources: Record<string, string>;
}

function prepare(name: string, units: number): Stack {
  const { before, after } = generatedVersions(units);
  return { name, before, after, target: path.join(work, name, 'out'), sources: saveSources(after, path.join(work, name, 'src')) };
}

function spec(stack: Stack, extra: Record<string, unknown>): string {
  const file = path.join(work, stack.name, `spec-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, JSON.stringify({ target: stack.target, files: stack.sources, ...extra }));
  return file;
}

/** A complete run: how many file-system calls the write makes, which of them rename a staged file into place, how long it takes. */
async function calibrate(stack: Stack): Promise<{ ops: number; passOps: number[]; writeMs: number }> {
  writeOutput(stack.target, stack.before);
  const r = await runWriter(spec(stack, { trace: true })).done;
  expect(r.status).toBe(0);
  const result = JSON.parse(r.stdout.split('\n')[1]) as { ops: number; trace: string[]; writeMs: number };
  const passOps = result.trace.flatMap((op, i) => (op.startsWith('renameSync') && op.includes('/stage-') ? [i + 1] : []));
  expect(passOps).toHaveLength(Object.keys(stack.after).length);
  return { ops: result.ops, passOps, writeMs: result.writeMs };
}

/** The op numbers to kill at: every rename of the pass, the calls around it, the rest spread evenly. */
function opPlan(ops: number, passOps: readonly number[], count: number): number[] {
  const chosen = new Set<number>([...passOps, passOps[0] - 1, passOps[passOps.length - 1] + 1, 1, ops]);
  for (let i = 0; chosen.size < count; i++) chosen.add(1 + Math.round(((i * 0.618) % 1) * (ops - 1)));
  return [...chosen].sort((a, b) => a - b);
}

type State = 'before' | 'after' | 'mixed';

/** What the folder holds right after a kill; fails on a partial, missing or foreign file. */
function stateAfterKill(stack: Stack): State {
  const now = snapshot(stack.target);
  if (sameTree(now, stack.before)) return 'before';
  if (sameTree(now, stack.after)) return 'after';
  // A mix is only allowed while a rename pass is under way: its journal says how to finish it.
  expect(fs.existsSync(path.join(stack.target, OUTPUT_STATE_FOLDER, 'journal'))).toBe(true);
  for (const [rel, bytes] of Object.entries(now)) {
    expect([stack.before[rel], stack.after[rel]].some((v) => v !== undefined && v.equals(bytes))).toBe(true);
  }
  for (const rel of Object.keys(stack.before).filter((r) => r in stack.after)) expect(now[rel]).toBeDefined();
  return 'mixed';
}

/** The next run: completes a started rename pass or removes the leftovers; then one whole output and a clean state folder. */
function expectRecovered(stack: Stack, state: State): void {
  const journal = fs.existsSync(path.join(stack.target, OUTPUT_STATE_FOLDER, 'journal'));
  recoverOutput(stack.target);
  const expected = journal || state === 'after' ? stack.after : stack.before;
  expect(sameTree(snapshot(stack.target), expected)).toBe(true);
  expect(recordOf(stack.target)).toEqual(digests(expected));
  expect(fs.readdirSync(path.join(stack.target, OUTPUT_STATE_FOLDER)).sort()).toEqual(['.gitignore', 'record']);
}

interface Outcome {
  readonly state: State;
  readonly killed: boolean;
}

async function trial(stack: Stack, kill: { delayMs: number } | { atOp: number }, swaps: number[]): Promise<Outcome> {
  // GIVEN the folder holds the previous complete output
  const reset = writeOutput(stack.target, stack.before);
  // A write that changed nothing has no rename pass to measure.
  if (reset.changed.length + reset.removed.length > 0) swaps.push(reset.swapMs);
  // WHEN a run writing the new one is SIGKILLed
  const run = runWriter(spec(stack, 'atOp' in kill ? { killAtOp: kill.atOp } : {}));
  if ('delayMs' in kill) await run.started.then(() => setTimeout(run.kill, kill.delayMs));
  const r = await run.done;
  const killed = r.signal === 'SIGKILL';
  if (!killed) {
    expect(r.status).toBe(0);
    swaps.push((JSON.parse(r.stdout.split('\n')[1]) as { swapMs: number }).swapMs);
  }
  // THEN the folder holds whole files of one output (or of both, during the rename pass) and the next run heals it
  const state = stateAfterKill(stack);
  expectRecovered(stack, state);
  return { state, killed };
}

async function killTrials(stack: Stack): Promise<{ outcomes: Outcome[]; swaps: number[] }> {
  const { ops, passOps, writeMs } = await calibrate(stack);
  const swaps: number[] = [];
  const outcomes: Outcome[] = [];
  const timed = TRIALS_PER_STACK / 2;
  // Delays spread from 0 to past the end of the write (a kill after the end must leave the new output).
  for (let i = 0; i < timed; i++) outcomes.push(await trial(stack, { delayMs: (i / (timed - 1)) * writeMs * 1.3 }, swaps));
  for (const atOp of opPlan(ops, passOps, TRIALS_PER_STACK - timed)) outcomes.push(await trial(stack, { atOp }, swaps));
  return { outcomes, swaps };
}

function summary(name: string, outcomes: readonly Outcome[], swaps: readonly number[]): string {
  const count = (s: State) => outcomes.filter((o) => o.state === s).length;
  const ms = (v: number) => v.toFixed(3);
  return `${name}: ${outcomes.length} trials, ${outcomes.filter((o) => o.killed).length} killed; after the kill: previous output ${count('before')}, new output ${count('after')}, mid-rename-pass ${count('mixed')}; rename pass median ${ms(median(swaps))} ms, max ${ms(Math.max(...swaps))} ms over ${swaps.length} writes`;
}

describe('writeOutput under SIGKILL', () => {
  // The two stacks side by side: each has its own folders.
  test.concurrent.each([
    ['small', 2],
    ['large', 120],
  ])(
    'GIVEN a %s generated stack WHEN the writer is killed at 50 moments THEN the folder always holds whole files and the next run heals it',
    async (name, units) => {
      const stack = prepare(name, units as number);
      const { outcomes, swaps } = await killTrials(stack);
      expect(outcomes).toHaveLength(TRIALS_PER_STACK);
      // The kills landed before, inside and after the rename pass.
      expect(outcomes.filter((o) => o.state === 'before' && o.killed).length).toBeGreaterThan(5);
      expect(outcomes.filter((o) => o.state === 'mixed').length).toBeGreaterThan(0);
      expect(outcomes.filter((o) => o.state === 'after').length).toBeGreaterThan(0);
      if (process.env.KSTACK_REPORT) process.stdout.write(`${summary(name, outcomes, swaps)}\n`);
    },
    240_000,
  );
});
