import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { KstackPropError } from '../lib';
import { cronError, cronScheduleProblem, timeZoneProblem } from '../lib/internal/checks/cron';
import {
  escapeRegexPath,
  ingressHostProblem,
  ingressPathProblem,
  regexPathProblem,
  routePathProblem,
} from '../lib/internal/checks/ingress';
import { mountPathProblem, portEnvProblem } from '../lib/internal/checks/mount';
import { namespaceMatchProblem } from '../lib/internal/checks/namespace';
import { parseQuantity } from '../lib/internal/checks/quantity';
import { integerProblem, MAX_INT32, Problem, requireValid } from '../lib/internal/checks/require';
import { claimRoute } from '../lib/internal/checks/routes';
import { checkSecretString, duplicateTargetProblem } from '../lib/internal/checks/secret';
import { singleLineProblem } from '../lib/internal/checks/text';
import { checkRepoUrl, redactUrl, repoUrlCredentialsProblem } from '../lib/internal/checks/url';
import { validateObjects } from '../lib';
import { testChart } from './util';

describe('the CronJob schedule parser (robfig/cron v3 ParseStandard, as the API server and the controller call it)', () => {
  test.each([
    ['0 3 * * *'],
    ['*/15 * * * *'],
    ['0 0 1,15 * 1-5'],
    ['0 0 * jan,JUL mon-fri'],
    ['5/10 * * * *'],
    ['0 0 ? * *'],
    ['@daily'],
    ['@every 1h30m'],
    ['@every 500ms'],
    ['1,,2 * * * *'],
    ['0 0 31 2 *'],
  ])('accepts %j', (s) => {
    expect(cronError(s)).toBeUndefined();
  });

  test.each([
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['30-10 * * * *', 'beginning of range (30) beyond end of range (10): 30-10'],
    ['0 0 * * 7', 'end of range (7) above maximum (6): 7'],
    ['60 * * * *', 'end of range (60) above maximum (59): 60'],
    ['0 0 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['0 0 * *', 'expected exactly 5 fields, found 4: [0 0 * *]'],
    ['0 0 * * * *', 'expected exactly 5 fields, found 6: [0 0 * * * *]'],
    ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
    ['*/5/2 * * * *', 'too many slashes: */5/2'],
    ['x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ['@fortnightly', 'unrecognized descriptor: @fortnightly'],
    ['@every 1x', 'failed to parse duration @every 1x: time: unknown unit "x" in duration "1x"'],
    ['', 'empty spec string'],
  ])("refuses %j with robfig's message", (s, message) => {
    expect(cronError(s)).toBe(message);
  });

  test('TZ in the schedule and unknown or Local time zones are refused as the batch validation refuses them', () => {
    expect(cronScheduleProblem('TZ=UTC 0 3 * * *')).toBe('cannot use TZ or CRON_TZ in schedule, use timeZone field instead');
    expect(timeZoneProblem('Europe/Paris')).toBeUndefined();
    expect(timeZoneProblem('Europe/Pariss')).toBe('unknown time zone Europe/Pariss');
    expect(timeZoneProblem('Local')).toMatch(/explicit time zone/);
  });
});

describe('shared checks', () => {
  test("Ingress paths: the API server's Prefix rules, and the route paths that render the same everywhere", () => {
    for (const [p, problem] of [
      ['/a//b', "must not contain '//'"],
      ['/a/../b', "must not contain '/../'"],
      ['/a%2Fb', "must not contain '%2F'"],
      ['/a/.', "must not end with '/.'"],
      ['a', 'must be an absolute path'],
    ])
      expect(ingressPathProblem(p)).toBe(problem);
    expect(ingressPathProblem('/api')).toBeUndefined();
    expect(ingressPathProblem('/x', undefined)).toBeUndefined();
    expect(ingressPathProblem('/x', null)).toBe('pathType must be specified');
    expect(routePathProblem('/a(b')).toMatch(/only letters, digits/);
    expect(routePathProblem('/v1.0')).toBeUndefined();
    expect(escapeRegexPath('/v1.0')).toBe('/v1\\.0');
    expect(regexPathProblem('/a(b(/|$)(.*)')).toMatch(/must be a valid regular expression/);
  });

  test('Ingress hosts: DNS names and wildcards, never IP addresses', () => {
    expect(ingressHostProblem('app.example.com')).toBeUndefined();
    expect(ingressHostProblem('*.example.com')).toBeUndefined();
    expect(ingressHostProblem('10.0.0.1')).toBe('must be a DNS name, not an IP address');
    expect(ingressHostProblem('::1')).toBe('must be a DNS name, not an IP address');
    expect(ingressHostProblem('a.*.com')).toMatch(/wildcard/);
  });

  test('repository URLs: credentials are refused and redacted, SSH user names are not credentials', () => {
    expect(repoUrlCredentialsProblem('https://github.com/acme/app.git')).toBeUndefined();
    expect(repoUrlCredentialsProblem('git@github.com:acme/app.git')).toBeUndefined();
    expect(repoUrlCredentialsProblem('ssh://git@github.com/acme/app.git')).toBeUndefined();
    for (const u of ['https://token@github.com/a.git', 'https://u:p@github.com/a.git', 'ssh://u:p@host/a.git', 'u:p@host:a.git'])
      expect(repoUrlCredentialsProblem(u)).toMatch(/must not carry credentials/);
    expect(redactUrl('https://u:hunter2@github.com/a.git')).toBe('https://***@github.com/a.git');
  });

  test('one-line values, integers and quantities', () => {
    expect(singleLineProblem('main')).toBeUndefined();
    expect(singleLineProblem('main\nx')).toMatch(/one line/);
    expect(integerProblem(1e300, 0, MAX_INT32)).toBe(`must be less than or equal to ${MAX_INT32}`);
    expect(integerProblem(1.5, 0, 10)).toBe('must be an integer');
    expect(parseQuantity('250m')).toBeCloseTo(0.25);
    expect(parseQuantity('1Gi')).toBe(2 ** 30);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity('-1')).toBe(-1);
    expect(parseQuantity('1.5.5')).toBeUndefined();
  });
});

/** The props-level cases of issue #14: each ends in a one-line KstackPropError from a shared check. */
const propsCases: ReadonlyArray<{ given: string; prop: string; run: (path: string) => void; message: RegExp; secret?: string }> = [
  ...['/api//v1', '/api/../admin', '/api%2Fv1', '/api/.'].map((p) => ({
    given: `a route path ${p}`,
    prop: 'routes[0].path',
    run: (path: string) => requireValid(path, 'routes[0].path', p, routePathProblem(p)),
    message: /must not contain|must not end with/,
  })),
  {
    given: 'an IP address as host',
    prop: 'host',
    run: (path) => requireValid(path, 'host', '10.1.2.3', ingressHostProblem('10.1.2.3')),
    message: /not an IP address/,
  },
  {
    given: "regex syntax in a route path ('/a(b')",
    prop: 'routes[0].path',
    run: (path) => requireValid(path, 'routes[0].path', '/a(b', routePathProblem('/a(b')),
    message: /only letters/,
  },
  ...['*/0 * * * *', '30-10 * * * *', '0 3 * * 7'].map((s) => ({
    given: `the schedule ${s}`,
    prop: 'backup.schedule',
    run: (path: string) => requireValid(path, 'backup.schedule', s, cronScheduleProblem(s)),
    message: /CronJob controller parses/,
  })),
  {
    given: "env PORT '9000' with port 8000",
    prop: 'env.PORT',
    run: (path) => requireValid(path, 'env.PORT', '9000', portEnvProblem({ PORT: '9000' }, 8000)),
    message: /another port/,
  },
  {
    given: "a cache volume at '/'",
    prop: 'cache.mountPath',
    run: (path) => requireValid(path, 'cache.mountPath', '/', mountPathProblem('/')),
    message: /must not be '\/'/,
  },
  {
    given: 'fromExisting mapping two variables to one key',
    prop: 'secretKeys',
    run: (path) =>
      requireValid(path, 'secretKeys', { user: 'login', password: 'login' }, duplicateTargetProblem({ user: 'login', password: 'login' })),
    message: /'user' and 'password' both read key 'login'/,
  },
  {
    given: 'an AppNamespace named apart from its chart',
    prop: 'name',
    run: (path) => requireValid(path, 'name', 'other', namespaceMatchProblem('other', 'shop')),
    message: /namespace of its chart \(shop\)/,
  },
  {
    given: 'a targetRevision with a newline',
    prop: 'targetRevision',
    run: (path) => requireValid(path, 'targetRevision', 'main\nx', singleLineProblem('main\nx')),
    message: /one line/,
  },
  {
    given: 'retryLimit 1e300',
    prop: 'retryLimit',
    run: (path) => requireValid(path, 'retryLimit', 1e300, integerProblem(1e300, 0, MAX_INT32)),
    message: /less than or equal/,
  },
  {
    given: 'a repoURL with credentials',
    prop: 'repoURL',
    run: (path) => checkRepoUrl(path, 'repoURL', 'https://bot:tok3n@git.example.com/a.git'),
    message: /\*\*\*@git\.example\.com/,
    secret: 'tok3n',
  },
  {
    given: 'a number as a password',
    prop: 'password',
    run: (path) => checkSecretString(path, 'password', 123456789),
    message: /not shown/,
    secret: '123456789',
  },
];

describe('props-level cases: a one-line KstackPropError in the words of the gate', () => {
  test.each(propsCases)('fails when given $given', ({ prop, run, message, secret }) => {
    let err: unknown;
    try {
      run('prod/app');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KstackPropError);
    const e = err as KstackPropError;
    expect(e.prop).toBe(prop);
    expect(e.message).toMatch(new RegExp(`^prod/app: '${prop.replace(/[.[\]]/g, '\\$&')}' `));
    expect(e.message).toMatch(message);
    expect(e.message).not.toMatch(/\n/);
    if (secret) expect(e.message).not.toContain(secret);
  });

  test('fails when two routes claim one host and path in the app, naming the first', () => {
    const chart = testChart();
    const a = new Construct(chart, 'a');
    const b = new Construct(chart, 'b');
    claimRoute(a, 'routes[0].path', 'nginx', 'shop.example.com', '/api');
    expect(() => claimRoute(b, 'routes[1].path', 'nginx', 'shop.example.com', '/api')).toThrow(
      'test/b: \'routes[1].path\' must be unique per ingress class and host: shop.example.com/api is also routed by test/a, got "/api"',
    );
    // Another class or host is another route.
    expect(() => claimRoute(b, 'routes[0].path', 'nginx', 'other.example.com', '/api')).not.toThrow();
    expect(Chart.of(b)).toBe(chart);
  });

  test('the gate finding and the prop error say the same words', () => {
    const problem: Problem = cronScheduleProblem('*/0 * * * *');
    const cron = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'b', namespace: 'shop' },
      spec: {
        schedule: '*/0 * * * *',
        jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x:1' }] } } } },
      },
    };
    const finding = validateObjects([cron], { env: 'dev' }).find((f) => f.ruleId === 'api/cron')!;
    expect(finding.message).toBe(`spec.schedule ${problem}, got "*/0 * * * *"`);
    expect(() => requireValid('p', 'schedule', '*/0 * * * *', problem)).toThrow(`p: 'schedule' ${problem}, got "*/0 * * * *"`);
  });
});
