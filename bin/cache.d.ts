// Types of bin/cache.js (plain JavaScript: bin/register.js loads it before TypeScript can be).
/** The folder that holds kstack's caches: KSTACK_CACHE_DIR, else node_modules/.cache of this checkout. */
export declare function cacheRoot(env?: NodeJS.ProcessEnv): string;
/** One line on stderr, prefixed 'kstack: '. */
export declare function notice(message: string): void;
/** Makes a cache folder a folder (a file in its place is removed, with a notice); false when it cannot be. */
export declare function ensureCacheFolder(dir: string, label: string): boolean;
/** An entry's content when its digest checks out; undefined when missing or bad (a bad one is removed, with a notice). */
export declare function readEntry(file: string, label: string): Buffer | undefined;
/** Writes an entry with its digest, atomically; false when it cannot be written. */
export declare function writeEntry(file: string, content: string | Buffer): boolean;
