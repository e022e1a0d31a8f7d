// Types of bin/register.js (plain JavaScript: it is what lets Node load TypeScript).
/** The TypeScript source position of a position (1-based) of the code run for a .ts file; undefined when unknown. */
export declare function sourcePosition(filename: string, line: number, column: number): { line: number; column: number } | undefined;
