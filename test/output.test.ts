import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { KstackIoError, KstackPropError, OUTPUT_STATE_FOLDER, recoverOutput, writeFileAtomic, writeOutput } from '../lib';
import { thrownBy } from './util';
import { digests, recordOf, runWriter, sameTree, saveSources, snapshot, Tree } from './output-helpers';

const dirs: string[] = [];
function tmp(): string {
  const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kstack-output-')));
  dirs.push(d);
  return d;
}
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const tree = (files: Record<string, string>): Tree => Object.fromEntries(Object.entries(files).map(([k, v]) => [k, Buffer.from(v)]));
const state = (dir: string) => path.join(dir, OUTPUT_STATE_FOLDER);

describe('writeOutput', () => {
  test('GIVEN a new folder THEN it holds exactly the files, and kstack state it keeps out of git', () => {
    const dir = path.join(tmp(), 'a', 'b');
    const result = writeOutput(dir, { 'app.k8s.yaml': 'one', 'argocd/app.k8s.yaml': ['t', Buffer.from('wo')] });
    expect(snapshot(dir)).toEqual(tree({ 'app.k8s.yaml': 'one', 'argocd/app.k8s.yaml': 'two' }));
    expect(result).toMatchObject({
      dir,
      files: ['app.k8s.yaml', 'argocd/app.k8s.yaml'],
      changed: ['app.k8s.yaml', 'argocd/app.k8s.yaml'],
      removed: [],
    });
    expect(recordOf(dir)).toEqual(digests(snapshot(dir)));
    expect(fs.readFileSync(path.join(state(dir), '.gitignore'), 'utf8')).toBe('*\n');
  });

  test('GIVEN a previous output THEN files it had and this one has not are removed, with their empty folders; other files stay', () => {
    const dir = tmp();
    writeOutput(dir, { 'a.yaml': 'a', 'old/deep/b.yaml': 'b', 'keep/c.yaml': 'c' });
    fs.writeFileSync(path.join(dir, 'README.md'), 'mine');
    fs.writeFileSync(path.join(dir, 'keep', 'notes.txt'), 'mine');
    const result = writeOutput(dir, { 'a.yaml': 'a2' });
    expect([...result.removed].sort()).toEqual(['keep/c.yaml', 'old/deep/b.yaml']);
    expect(snapshot(dir)).toEqual(tree({ 'a.yaml': 'a2', 'README.md': 'mine', 'keep/notes.txt': 'mine' }));
    expect(fs.existsSync(path.join(dir, 'old'))).toBe(false);
  });

  test('GIVEN files with the same bytes THEN they are left untouched (same inode, same mtime)', () => {
    const dir = tmp();
    writeOutput(dir, { 'same.yaml': 'x', 'other.yaml': 'y' });
    const before = fs.statSync(path.join(dir, 'same.yaml'));
    const otherBefore = fs.statSync(path.join(dir, 'other.yaml'));
    const result = writeOutput(dir, { 'same.yaml': 'x', 'other.yaml': 'z' });
    expect(result.changed).toEqual(['other.yaml']);
    expect(fs.statSync(path.join(dir, 'same.yaml'))).toMatchObject({ ino: before.ino, mtimeMs: before.mtimeMs });
    expect(fs.statSync(path.join(dir, 'other.yaml')).ino).not.toBe(otherBefore.ino);
  });

  test('GIVEN a previous output with a file where a folder now goes (and the reverse) THEN both are replaced', () => {
    const dir = tmp();
    writeOutput(dir, { compose: 'a file', 'nginx/nginx.conf': 'conf' });
    writeOutput(dir, { 'compose/docker-compose.yml': 'services: {}', nginx: 'a file now' });
    expect(snapshot(dir)).toEqual(tree({ 'compose/docker-compose.yml': 'services: {}', nginx: 'a file now' }));
  });

  test('fails when a file kstack did not write is in the way, before changing anything', () => {
    const dir = tmp();
    writeOutput(dir, { 'a.yaml': 'a' });
    fs.writeFileSync(path.join(dir, 'argocd'), 'a user file');
    fs.mkdirSync(path.join(dir, 'b.yaml'));
    fs.writeFileSync(path.join(dir, 'b.yaml', 'x'), 'a user file');
    const err = thrownBy(() => writeOutput(dir, { 'a.yaml': 'a2', 'argocd/app.yaml': 'x' }));
    expect(err).toBeInstanceOf(KstackIoError);
    expect(err.message).toBe(`cannot write "${dir}/argocd/app.yaml": "${dir}/argocd" is a file kstack did not write; move it away`);
    expect(thrownBy(() => writeOutput(dir, { 'b.yaml': 'x' })).message).toBe(
      `cannot write "${dir}/b.yaml": "${dir}/b.yaml" is a folder with files kstack did not write; move it away`,
    );
    expect(fs.readFileSync(path.join(dir, 'a.yaml'), 'utf8')).toBe('a');
    expect(fs.readdirSync(state(dir)).sort()).toEqual(['.gitignore', 'record']);
  });

  test.each([['../escape.yaml'], ['/abs.yaml'], ['a//b.yaml'], ['a/./b.yaml'], [''], ['a\\b.yaml'], [`${OUTPUT_STATE_FOLDER}/record`]])(
    'fails when a file is named %j',
    (name) => {
      const err = thrownBy(() => writeOutput(tmp(), { [name]: 'x' }));
      expect(err).toBeInstanceOf(KstackPropError);
      expect(err.message).toBe(
        `writeOutput: 'files' must be relative paths of folder and file names joined by '/' (no '..', not ${OUTPUT_STATE_FOLDER}/), got ${JSON.stringify(name)}`,
      );
    },
  );

  test('fails when a name is given twice or a file is where another needs a folder, or content is not text or bytes', () => {
    expect(
      thrownBy(() =>
        writeOutput(tmp(), [
          ['a', 'x'],
          ['a', 'y'],
        ]),
      ).message,
    ).toBe('writeOutput: \'files\' must name each file once, and no file where another one needs a folder, got "a"');
    expect(thrownBy(() => writeOutput(tmp(), { a: 'x', 'a/b': 'y' })).message).toContain('got "a/b"');
    expect(thrownBy(() => writeOutput(tmp(), { a: 42 as unknown as string })).message).toBe(
      'writeOutput: \'files["a"]\' must be a string, bytes or an iterable of them, got 42',
    );
  });

  test('fails when the folder is the file system root or a file', () => {
    expect(thrownBy(() => writeOutput('/', { a: 'x' })).message).toBe(
      'cannot write an output into the file system root "/"; choose a folder below it',
    );
    const file = path.join(tmp(), 'f');
    fs.writeFileSync(file, 'x');
    expect(thrownBy(() => writeOutput(file, { a: 'x' })).message).toBe(
      `cannot create the folder "${file}": it is a file, not a folder; move the file away or choose another path`,
    );
    const inside = path.join(path.dirname(file), OUTPUT_STATE_FOLDER, 'x');
    expect(thrownBy(() => writeOutput(inside, { a: 'x' })).message).toBe(
      `cannot write an output inside kstack's state folder .kstack-output: "${inside}"; choose another folder`,
    );
    expect(thrownBy(() => writeOutput(path.join(file, 'sub'), { a: 'x' })).message).toBe(
      `cannot create the folder "${file}/sub": "${file}" is a file, not a folder; move the file away or choose another path`,
    );
  });

  test('GIVEN content that throws while it is written THEN the previous output stays and nothing is left behind', () => {
    const dir = tmp();
    writeOutput(dir, { 'a.yaml': 'a' });
    function* failing(): Generator<string> {
      yield 'partial';
      throw new Error('render failed');
    }
    expect(thrownBy(() => writeOutput(dir, { 'a.yaml': failing() })).message).toBe('render failed');
    expect(snapshot(dir)).toEqual(tree({ 'a.yaml': 'a' }));
    expect(fs.readdirSync(state(dir)).sort()).toEqual(['.gitignore', 'record']);
  });
});

describe('writeOutput heals what a killed run left', () => {
  test('GIVEN kstack state that is a file, a corrupt record and a corrupt journal THEN each is discarded with a notice', () => {
    const dir = tmp();
    const notices: string[] = [];
    const onNotice = (m: string) => notices.push(m);
    fs.writeFileSync(state(dir), 'junk');
    writeOutput(dir, { 'a.yaml': 'a', 'b.yaml': 'b' }, { onNotice });
    expect(notices).toEqual([`replaced "${state(dir)}", a file where kstack's state folder belongs`]);
    fs.writeFileSync(path.join(state(dir), 'record'), 'garbage');
    writeOutput(dir, { 'a.yaml': 'a' }, { onNotice });
    expect(notices[1]).toBe(`discarded the corrupt record of "${dir}"; files it no longer writes stay in place`);
    // Without its record, the run cannot know b.yaml was kstack's: it stays.
    expect(Object.keys(snapshot(dir)).sort()).toEqual(['a.yaml', 'b.yaml']);
    fs.writeFileSync(path.join(state(dir), 'journal'), '');
    expect(recoverOutput(dir, { onNotice })).toBe(false);
    expect(notices[2]).toBe(`discarded the corrupt journal of "${dir}"; the folder may hold files of two outputs: write it again`);
  });

  test('GIVEN the lock of a process that is gone, or of a reused pid THEN it is taken over with a notice', () => {
    const dir = tmp();
    writeOutput(dir, { 'a.yaml': 'a' });
    const lock = path.join(state(dir), 'lock');
    const notices: string[] = [];
    for (const owner of [
      { pid: 2 ** 22 + 12345, host: os.hostname(), start: '1', token: 'dead' },
      { pid: process.pid, host: os.hostname(), start: 'another start time', token: 'reused' },
    ]) {
      fs.writeFileSync(lock, JSON.stringify(owner));
      writeOutput(dir, { 'a.yaml': owner.token }, { onNotice: (m) => notices.push(m) });
      expect(fs.readFileSync(path.join(dir, 'a.yaml'), 'utf8')).toBe(owner.token);
    }
    expect(notices).toEqual([
      `removed the lock of a run that is gone (pid ${2 ** 22 + 12345}) on "${dir}"`,
      `removed the lock of a run that is gone (pid ${process.pid}) on "${dir}"`,
    ]);
    expect(fs.existsSync(lock)).toBe(false);
  });

  test('GIVEN an unreadable lock THEN it counts as being written for 5 s, then is taken over', () => {
    const dir = tmp();
    writeOutput(dir, { 'a.yaml': 'a' });
    const lock = path.join(state(dir), 'lock');
    fs.writeFileSync(lock, '{"pid": 12');
    const almostOld = new Date(Date.now() - 4700);
    fs.utimesSync(lock, almostOld, almostOld);
    const notices: string[] = [];
    const started = Date.now();
    writeOutput(dir, { 'a.yaml': 'b' }, { onNotice: (m) => notices.push(m) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(notices).toEqual([`removed the lock of an unreadable lock file on "${dir}"`]);
    expect(fs.readFileSync(path.join(dir, 'a.yaml'), 'utf8')).toBe('b');
  });

  test('fails when a live run holds the lock longer than the timeout, naming it and the lock file', async () => {
    const dir = tmp();
    writeOutput(dir, { 'a.yaml': 'a' });
    // A live process on this host that is not this one: a sleeping child.
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      const start = fs.readFileSync(`/proc/${sleeper.pid}/stat`, 'utf8').split(') ')[1].split(' ')[19];
      fs.writeFileSync(path.join(state(dir), 'lock'), JSON.stringify({ pid: sleeper.pid, host: os.hostname(), start, token: 't' }));
      const err = thrownBy(() => writeOutput(dir, { 'a.yaml': 'b' }, { lockTimeoutMs: 300 }));
      expect(err).toBeInstanceOf(KstackIoError);
      expect(err.message).toBe(
        `cannot write "${dir}": another run (pid ${sleeper.pid} on ${os.hostname()}) has been writing it for over 0 s; wait for it to finish, or remove "${state(dir)}/lock" if no such run exists`,
      );
      expect(fs.readFileSync(path.join(dir, 'a.yaml'), 'utf8')).toBe('a');
    } finally {
      sleeper.kill('SIGKILL');
    }
  });

  test('GIVEN a pass that changes a file into a folder and the reverse WHEN killed at each of its steps THEN the next run completes it', async () => {
    const dir = tmp();
    const target = path.join(dir, 'out');
    const before = tree({ compose: 'a file', 'nginx/nginx.conf': 'conf', 'a.yaml': 'a' });
    const after = tree({ 'compose/docker-compose.yml': 'services: {}', nginx: 'a file now', 'a.yaml': 'a2' });
    const spec = (extra: object) => {
      const file = path.join(dir, `spec-${Math.random()}.json`);
      fs.writeFileSync(file, JSON.stringify({ target, files: saveSources(after, path.join(dir, 'src')), ...extra }));
      return file;
    };
    writeOutput(target, before);
    const traced = await runWriter(spec({ trace: true })).done;
    const trace = (JSON.parse(traced.stdout.split('\n')[1]) as { trace: string[] }).trace;
    const journalOp = trace.findIndex((op) => /^renameSync .*journal\.\w+\.tmp .*journal$/.test(op)) + 1;
    expect(journalOp).toBeGreaterThan(0);
    // Every call from the journal's rename to the end of the run.
    for (let killAtOp = journalOp + 1; killAtOp <= trace.length; killAtOp++) {
      writeOutput(target, before);
      const r = await runWriter(spec({ killAtOp })).done;
      expect(r.signal).toBe('SIGKILL');
      recoverOutput(target);
      expect(sameTree(snapshot(target), after)).toBe(true);
    }
  }, 60_000);

  test('GIVEN concurrent writers into one folder THEN every read sees whole files and the folder ends with one complete output', async () => {
    const dir = tmp();
    // Four outputs of four files of ~200 KB each, every writer writing its own three times.
    const versions: Tree[] = [0, 1, 2, 3].map((v) =>
      Object.fromEntries(
        ['app.k8s.yaml', 'argocd/app.k8s.yaml', 'compose/docker-compose.yml', `only-${v}.yaml`].map((rel) => [
          rel,
          Buffer.from(`${v}:${rel}\n`.repeat(8000)),
        ]),
      ),
    );
    const runs = versions.map((files, v) => {
      const spec = path.join(dir, `..${path.basename(dir)}-spec-${v}.json`);
      fs.writeFileSync(spec, JSON.stringify({ target: path.join(dir, 'out'), files: saveSources(files, `${dir}-src-${v}`), loops: 3 }));
      dirs.push(spec, `${dir}-src-${v}`);
      return runWriter(spec, 60_000);
    });
    let reads = 0;
    let finished = false;
    const present = new Set<string>();
    const allDone = Promise.all(runs.map((r) => r.done)).finally(() => (finished = true));
    while (!finished) {
      // Every file seen is whole: one version's bytes, never a prefix or a mix.
      for (const rel of Object.keys(versions[0]).filter((r) => !r.startsWith('only-'))) {
        // Files every version has: never missing once written, always one version's whole bytes.
        const file = path.join(dir, 'out', rel);
        if (!present.has(rel) && !fs.existsSync(file)) continue;
        present.add(rel);
        const bytes = fs.readFileSync(file);
        expect(versions.some((v) => v[rel].equals(bytes))).toBe(true);
      }
      reads++;
      await new Promise((r) => setImmediate(r));
    }
    const results = await allDone;
    expect(results.map((r) => r.status)).toEqual([0, 0, 0, 0]);
    expect(reads).toBeGreaterThan(5);
    const end = snapshot(path.join(dir, 'out'));
    expect(versions.filter((v) => sameTree(end, v))).toHaveLength(1);
    expect(fs.readdirSync(state(path.join(dir, 'out'))).sort()).toEqual(['.gitignore', 'record']);
  }, 60_000);
});

describe('writeFileAtomic', () => {
  test('GIVEN a file THEN it is replaced whole; temporary files of killed runs beside it are removed', () => {
    const dir = tmp();
    const file = path.join(dir, 'sub', 'app.k8s.yaml');
    expect(writeFileAtomic(file, ['a', 'b'])).toEqual({
      size: 2,
      sha256: 'fb8e20fc2e4c3f248c60c39bd652f3c1347298bb977b8b4d5903b85055620603',
    });
    expect(fs.readFileSync(file, 'utf8')).toBe('ab');
    const dead = path.join(dir, 'sub', `.app.k8s.yaml.kstack-${2 ** 22 + 7}-abcd.tmp`);
    const live = path.join(dir, 'sub', `.app.k8s.yaml.kstack-${process.pid}-abcd.tmp`);
    fs.writeFileSync(dead, 'partial');
    fs.writeFileSync(live, 'partial');
    const notices: string[] = [];
    writeFileAtomic(file, 'c', { onNotice: (m) => notices.push(m) });
    expect(fs.readFileSync(file, 'utf8')).toBe('c');
    expect(fs.readdirSync(path.join(dir, 'sub')).sort()).toEqual([path.basename(live), 'app.k8s.yaml']);
    expect(notices).toEqual([`removed 1 temporary file(s) of a killed run beside "${file}"`]);
  });

  test('fails when the file is a folder', () => {
    const dir = tmp();
    expect(thrownBy(() => writeFileAtomic(dir, 'x')).message).toBe(
      `cannot write the file "${dir}": it is a folder; move it away or choose another path`,
    );
  });
});
