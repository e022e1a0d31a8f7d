/**
 * The backup and restore commands, as POSIX sh that runs under dash (`sh` in the Debian-based
 * postgres images), which has no `pipefail`: the dump goes through no pipe. pg_dump writes the custom format
 * straight to a partial file; the file is read back to its end by pg_restore before it gets its
 * final name, so a file with the final name is always a complete, readable dump. Pure: the
 * text is a function of the description.
 */
import { BackupDescription } from '../backup';

/** Where the backup volume is mounted in the job's container. */
export const BACKUP_DIR = '/backups';
/** Suffix of a finished, verified backup. */
export const BACKUP_SUFFIX = '.dump';
/** Suffix of a dump being written (never a backup: deleted by the next run). */
export const PARTIAL_SUFFIX = '.partial';
/** Environment variable naming the backup file to restore (a name in the folder, or `latest`). */
export const RESTORE_FILE_ENV = 'RESTORE_FILE';
/** Environment variable naming the database to restore into. @default - PGDATABASE */
export const RESTORE_DATABASE_ENV = 'RESTORE_DATABASE';

/** `db-20250101T030000Z.dump`: the database's name, then the UTC time the dump started. */
export function backupFileName(database: string, stamp: string): string {
  return `${database}-${stamp}${BACKUP_SUFFIX}`;
}

/** An extended regex matching the names of finished backups only (no partial file, nothing else). */
export function backupFileRegex(database: string): string {
  return `^${database.replace(/[.]/g, '\\.')}-[0-9]{8}T[0-9]{6}Z\\.dump$`;
}

/** Shell lines shared by both scripts: strict mode, messages on stderr, a one-line failure. */
function prologue(what: string, b: BackupDescription, dir: string): string[] {
  return [
    'set -eu',
    'umask 077',
    `dir=${dir}`,
    `good='${backupFileRegex(b.database)}'`,
    `say() { printf '%s\\n' "${what}: $*" >&2; }`,
    `fail() { say "FAILED: $*"; exit 1; }`,
    // The finished backups, oldest first (the UTC stamp in the name orders them).
    `backups() { ls -1 "$dir" | grep -E "$good" | sort || true; }`,
    '[ -d "$dir" ] || fail "$dir is not a folder (the backup volume is not mounted)"',
  ];
}

/**
 * The scheduled backup: exits non-zero, leaving no file with a finished backup's name and the
 * previous backups untouched, when anything fails (database unreachable, wrong password, disk
 * full, a dump that does not read back). Then the retention: backups older than
 * `retentionDays` are deleted, except the newest `keepLast`; it runs only after a good backup,
 * so a failing backup never deletes one. `dir` is where the backup volume is mounted.
 */
export function backupScript(b: BackupDescription, dir = BACKUP_DIR): string {
  const partialGlob = `${b.database}-*${BACKUP_SUFFIX}${PARTIAL_SUFFIX}`;
  return [
    ...prologue('backup', b, dir),
    '[ -w "$dir" ] || fail "$dir is not writable by uid $(id -u)"',
    't0=$(date +%s)',
    `final="$dir/${backupFileName(b.database, '$(date -u +%Y%m%dT%H%M%SZ)')}"`,
    `part="$final${PARTIAL_SUFFIX}"`,
    '[ ! -e "$final" ] || fail "$final exists already"',
    // Partial files are never backups; those of crashed runs go (runs never overlap).
    `find "$dir" -maxdepth 1 -type f -name '${partialGlob}' -exec rm -f {} +`,
    `trap 'rm -f "$part"' EXIT`,
    "trap 'exit 143' TERM",
    "trap 'exit 130' INT",
    'say "pg_dump of database $PGDATABASE on $PGHOST:$PGPORT to $part"',
    'pg_dump --format=custom --no-owner --file="$part" || fail "pg_dump exited with status $? (no backup written)"',
    // Reads every entry back to the end of the file (--list alone reads only the table of contents).
    'pg_restore --file=/dev/null "$part" || fail "the dump does not read back with pg_restore (no backup written)"',
    'sync "$part" 2>/dev/null || sync',
    'mv "$part" "$final"',
    'sync "$dir" 2>/dev/null || sync',
    'trap - EXIT',
    'say "wrote $final ($(wc -c < "$final") bytes) in $(( $(date +%s) - t0 ))s"',
    // Retention, after the new backup is safe: by age, never the newest keepLast.
    `n=0; for f in $(backups | sort -r); do`,
    '  n=$((n + 1))',
    `  [ "$n" -gt ${b.keepLast} ] || continue`,
    `  if [ -n "$(find "$dir/$f" -mmin +${b.retentionDays * 24 * 60})" ]; then rm -f "$dir/$f"; say "deleted $f (older than ${b.retentionDays} days)"; fi`,
    'done',
    "say \"kept: $(backups | tr '\\n' ' ')\"",
  ].join('\n');
}

/**
 * The restore: the backup named by RESTORE_FILE (a file name in the backup folder, or `latest`,
 * the default) into the database named by RESTORE_DATABASE (default: the backed-up one, PGDATABASE)
 * with `pg_restore --clean --if-exists --no-owner` in a single transaction: on any error nothing is
 * changed and the job fails.
 */
export function restoreScript(b: BackupDescription, dir = BACKUP_DIR): string {
  return [
    ...prologue('restore', b, dir),
    `file="\${${RESTORE_FILE_ENV}:-latest}"`,
    '[ "$file" != latest ] || file=$(backups | tail -n 1)',
    `[ -n "$file" ] || fail "no backup in $dir (names like ${backupFileName(b.database, 'YYYYMMDDTHHMMSSZ')})"`,
    `case "$file" in */* | .*) fail "${RESTORE_FILE_ENV} must be a file name in $dir or latest, got '$file'" ;; esac`,
    '[ -f "$dir/$file" ] || fail "no file $dir/$file; the backups are: $(backups | tr \'\\n\' \' \')"',
    `target="\${${RESTORE_DATABASE_ENV}:-$PGDATABASE}"`,
    'pg_restore --list "$dir/$file" >/dev/null || fail "$file is not a readable pg_dump archive"',
    't0=$(date +%s)',
    'say "restoring $file into database $target on $PGHOST:$PGPORT"',
    'pg_restore --dbname="$target" --clean --if-exists --no-owner --single-transaction --exit-on-error "$dir/$file" \\',
    '  || fail "pg_restore exited with status $? (single transaction: database $target is unchanged)"',
    'say "restored $file into database $target in $(( $(date +%s) - t0 ))s"',
  ].join('\n');
}
