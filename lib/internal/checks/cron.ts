import { Problem } from './require';

/**
 * The schedule parser of Kubernetes CronJobs, ported from the robfig/cron v3 parser that
 * pkg/apis/batch/validation (validateScheduleFormat) and pkg/controller/cronjob call
 * (cron.ParseStandard: minute hour day-of-month month day-of-week, or a descriptor), with its
 * error messages. `cronError` returns robfig's message, or undefined when the schedule parses.
 */

interface Bounds {
  readonly min: number;
  readonly max: number;
  readonly names?: Readonly<Record<string, number>>;
}

const MONTHS = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DAYS = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
// minutes, hours, dom, months, dow (robfig's bounds)
const FIELDS: readonly Bounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTHS },
  { min: 0, max: 6, names: DAYS },
];
const DESCRIPTORS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const EVERY = '@every ';

class CronError extends Error {}

/** Go's strconv.Atoi on base-10 text, then robfig's mustParseInt (no negatives). */
function mustParseInt(expr: string): number {
  if (!/^[+-]?[0-9]+$/.test(expr)) throw new CronError(`failed to parse int from ${expr}: strconv.Atoi: parsing "${expr}": invalid syntax`);
  const num = Number(expr);
  if (!Number.isSafeInteger(num))
    throw new CronError(`failed to parse int from ${expr}: strconv.Atoi: parsing "${expr}": value out of range`);
  if (num < 0) throw new CronError(`negative number (${num}) not allowed: ${expr}`);
  return num;
}

function parseIntOrName(expr: string, names?: Readonly<Record<string, number>>): number {
  const named = names?.[expr.toLowerCase()];
  return named !== undefined && Object.prototype.hasOwnProperty.call(names, expr.toLowerCase()) ? named : mustParseInt(expr);
}

/** robfig's getRange: number | number "-" number [ "/" number ], or '*' / '?'. */
function getRange(expr: string, r: Bounds): void {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0].split('-');
  const singleDigit = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = r.min;
    end = r.max;
  } else {
    start = parseIntOrName(lowAndHigh[0], r.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1], r.names);
    else throw new CronError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = mustParseInt(rangeAndStep[1]);
    // "N/step" means "N-max/step".
    if (singleDigit) end = r.max;
  } else if (rangeAndStep.length > 2) {
    throw new CronError(`too many slashes: ${expr}`);
  }
  if (start < r.min) throw new CronError(`beginning of range (${start}) below minimum (${r.min}): ${expr}`);
  if (end > r.max) throw new CronError(`end of range (${end}) above maximum (${r.max}): ${expr}`);
  if (start > end) throw new CronError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronError(`step of range should be a positive number: ${expr}`);
}

const DURATION_UNITS = new Set(['ns', 'us', 'µs', 'μs', 'ms', 's', 'm', 'h']);

/** Go's time.ParseDuration, as far as accepting or refusing goes. */
function goDurationError(s: string): string | undefined {
  const orig = s;
  if (/^[-+]/.test(s)) s = s.slice(1);
  if (s === '0') return undefined;
  if (s === '') return `time: invalid duration "${orig}"`;
  while (s !== '') {
    const num = /^([0-9]*)(\.([0-9]*))?/.exec(s)!;
    if (num[1] === '' && (num[3] ?? '') === '') return `time: invalid duration "${orig}"`;
    s = s.slice(num[0].length);
    const unit = /^[^0-9.]*/.exec(s)![0];
    if (unit === '') return `time: missing unit in duration "${orig}"`;
    if (!DURATION_UNITS.has(unit)) return `time: unknown unit "${unit}" in duration "${orig}"`;
    s = s.slice(unit.length);
  }
  return undefined;
}

function parseDescriptor(spec: string): void {
  if (DESCRIPTORS.has(spec)) return;
  if (spec.startsWith(EVERY)) {
    const err = goDurationError(spec.slice(EVERY.length));
    if (err) throw new CronError(`failed to parse duration ${spec}: ${err}`);
    return;
  }
  throw new CronError(`unrecognized descriptor: ${spec}`);
}

/** robfig/cron v3 ParseStandard's error for the schedule, or undefined when it parses. */
export function cronError(schedule: string): string | undefined {
  try {
    let spec = schedule;
    if (spec.length === 0) throw new CronError('empty spec string');
    if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
      const i = spec.indexOf(' ');
      // Go panics on a slice out of range here; the API server turns the panic into a rejection.
      if (i < 0) throw new CronError(`provided bad location ${spec.slice(spec.indexOf('=') + 1)}: no schedule after it`);
      const tz = spec.slice(spec.indexOf('=') + 1, i);
      if (timeZoneProblem(tz) !== undefined) throw new CronError(`provided bad location ${tz}: unknown time zone ${tz}`);
      spec = spec.slice(i).trim();
    }
    if (spec.startsWith('@')) {
      parseDescriptor(spec);
      return undefined;
    }
    // Go's strings.Fields splits on Unicode white space.
    const fields = spec.split(/\s+/u).filter((f) => f !== '');
    if (fields.length !== 5) throw new CronError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
    // strings.FieldsFunc drops empty ranges: "1,,2" is "1,2".
    fields.forEach((field, i) =>
      field
        .split(',')
        .filter((e) => e !== '')
        .forEach((expr) => getRange(expr, FIELDS[i])),
    );
    return undefined;
  } catch (err) {
    if (err instanceof CronError) return err.message;
    throw err;
  }
}

/**
 * A CronJob schedule as the API server accepts it on create: parsed by robfig/cron, and without
 * an inline TZ= or CRON_TZ= (the timeZone field replaces it).
 */
export function cronScheduleProblem(schedule: unknown): Problem {
  if (typeof schedule !== 'string' || schedule === '')
    return "must be a five-field cron schedule such as '0 3 * * *' (minute hour day-of-month month day-of-week)";
  const err = cronError(schedule);
  if (err !== undefined)
    return `must be a five-field cron schedule the CronJob controller parses (minute hour day-of-month month day-of-week): ${err}`;
  if (schedule.includes('TZ')) return 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead';
  return undefined;
}

const TZ_PART = /^[A-Za-z.\-_0-9+]{1,14}$/;
const knownZones = new Map<string, boolean>();

/** batch validation's validateTimeZone: an explicit IANA time zone name the runtime knows. */
export function timeZoneProblem(tz: unknown): Problem {
  if (typeof tz !== 'string' || tz.length === 0) return 'timeZone must be nil or non-empty string';
  for (const part of tz.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !TZ_PART.test(part)) return `unknown time zone ${tz}`;
  }
  if (tz.toLowerCase() === 'local') return 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones';
  let known = knownZones.get(tz);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      known = true;
    } catch {
      known = false;
    }
    knownZones.set(tz, known);
  }
  return known ? undefined : `unknown time zone ${tz}`;
}
