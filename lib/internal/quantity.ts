import { Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-27';

const CPU = /^(\d+(\.\d+)?)(m?)$/;
const MEMORY = /^(\d+)(Ki|Mi|Gi|Ti)$/;
const MEMORY_FACTORS: Record<string, number> = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };

/** '250m' -> 250, '1.5' -> 1500; undefined when not a CPU quantity. */
export function parseCpuMillis(value: string): number | undefined {
  const m = typeof value === 'string' ? CPU.exec(value) : null;
  if (!m) return undefined;
  const n = Number(m[1]);
  return m[3] === 'm' ? n : n * 1000;
}

/** '512Mi' -> bytes; kstack accepts the binary suffixes only, as the seeds and most charts use. */
export function parseMemoryBytes(value: string): number | undefined {
  const m = typeof value === 'string' ? MEMORY.exec(value) : null;
  return m ? Number(m[1]) * MEMORY_FACTORS[m[2]] : undefined;
}

/** A validated CPU quantity string as cdk8s-plus wants it. */
export function toCpu(value: string): Cpu {
  const m = CPU.exec(value)!;
  return m[3] === 'm' ? Cpu.millis(Number(m[1])) : Cpu.units(Number(m[1]));
}

/** A validated memory or storage quantity string as cdk8s wants it. */
export function toSize(value: string): Size {
  const m = MEMORY.exec(value)!;
  const n = Number(m[1]);
  switch (m[2]) {
    case 'Ki': return Size.kibibytes(n);
    case 'Mi': return Size.mebibytes(n);
    case 'Gi': return Size.gibibytes(n);
    default: return Size.tebibytes(n);
  }
}
