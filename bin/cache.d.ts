// Types of bin/cache.js (plain JavaScript: bin/register.js loads it before TypeScript can be).
/** The root of the kstack package (a checkout, or node_modules/kstack). */
export declare const PACKAGE_ROOT: string;
/** The node_modules folder of the project a package at `root` is used in: the outermost node_modules above it when installed, else its own. */
export declare function projectModules(root: string): string;
/** The folder that holds kstack's caches: KSTACK_CACHE_DIR, else the project's node_modules/.cache. */
export declare function cacheRoot(env?: NodeJS.ProcessEnv): string;
/** One line on stderr, prefixed 'kstack: '. */
export declare function notice(message: string): void;
/** Makes a cache folder a folder (a file in its place is removed, with a notice); false when it cannot be. */
export declare function ensureCacheFolder(dir: string, label: string): boolean;
/** An entry's content when its digest checks out; undefined when missing or bad (a bad one is removed, with a notice). */
export declare function readEntry(file: string, label: string): Buffer | undefined;
/** Writes an entry with its digest, atomically; false when it cannot be written. */
export declare function writeEntry(file: string, content: string | Buffer): boolean;
