/** `k6/options` only exports types; scripts import it with `import type`. */
export {};
