/**
 * `peyvand serve` runs the TypeScript sources and serves SvelteKit's built bundle, which holds its
 * own copy of server modules. The runtime (one database, one model) is handed to the bundle here,
 * under a registry symbol both copies agree on — the one place a process-wide value is used.
 */
export const RUNTIME_KEY = Symbol.for('peyvand.runtime');
