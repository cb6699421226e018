// Stands in for the `server-only` package under Vitest, which runs outside React Server Components.
export {};
