import { Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-27';

const CPU = /^(\d+(\.\d+)?)(m?)$/;
const MEMORY = /^(\d+)(Ki|Mi|Gi|Ti)$/;
const MEMORY_FACTORS: Record<string, number> = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };

/** A CPU quantity split into its number and whether it is in millicores. */
export interface CpuQuantity {
  readonly amount: number;
  readonly milli: boolean;
}
/** A memory quantity split into its number and binary unit. */
export interface MemoryQuantity {
  readonly amount: number;
  readonly unit: 'Ki' | 'Mi' | 'Gi' | 'Ti';
}

/** '250m' -> { amount: 250, milli: true }, '1.5' -> { amount: 1.5, milli: false }; undefined when not a CPU quantity. */
export function splitCpu(value: string): CpuQuantity | undefined {
  const m = typeof value === 'string' ? CPU.exec(value) : null;
  return m ? { amount: Number(m[1]), milli: m[3] === 'm' } : undefined;
}

/** '512Mi' -> { amount: 512, unit: 'Mi' }; kstack accepts the binary suffixes only, as the seeds and most charts use. */
export function splitMemory(value: string): MemoryQuantity | undefined {
  const m = typeof value === 'string' ? MEMORY.exec(value) : null;
  return m ? { amount: Number(m[1]), unit: m[2] as MemoryQuantity['unit'] } : undefined;
}

/** '250m' -> 250, '1.5' -> 1500; undefined when not a CPU quantity. */
export function parseCpuMillis(value: string): number | undefined {
  const q = splitCpu(value);
  return q === undefined ? undefined : q.milli ? q.amount : q.amount * 1000;
}

/** '512Mi' -> bytes; undefined when not a memory quantity. */
export function parseMemoryBytes(value: string): number | undefined {
  const q = splitMemory(value);
  return q === undefined ? undefined : q.amount * MEMORY_FACTORS[q.unit];
}

/** A validated CPU quantity string as cdk8s-plus wants it. */
export function toCpu(value: string): Cpu {
  const q = splitCpu(value)!;
  return q.milli ? Cpu.millis(q.amount) : Cpu.units(q.amount);
}

/** A validated memory or storage quantity string as cdk8s wants it. */
export function toSize(value: string): Size {
  const { amount, unit } = splitMemory(value)!;
  switch (unit) {
    case 'Ki':
      return Size.kibibytes(amount);
    case 'Mi':
      return Size.mebibytes(amount);
    case 'Gi':
      return Size.gibibytes(amount);
    default:
      return Size.tebibytes(amount);
  }
}
