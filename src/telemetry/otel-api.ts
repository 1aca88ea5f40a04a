/** `@opentelemetry/api`'s module shape, for the one module that loads it. */
export type OtelApi = typeof import('@opentelemetry/api');

const SPECIFIER = '@opentelemetry/api';

/**
 * The only place `@opentelemetry/api` (an optional peer dependency) is loaded: lazily, with `import()`, and only
 * when a mailer with telemetry enabled is constructed. Resolves undefined when the package is not installed, so
 * nothing else changes.
 */
export async function loadOtelApi(): Promise<OtelApi | undefined> {
  try {
    const mod = (await import(/* @vite-ignore */ SPECIFIER)) as OtelApi & { default?: OtelApi };
    // The CommonJS build seen through ESM interop may put the API under `default`.
    const api = typeof mod.trace?.getTracer === 'function' ? mod : mod.default;
    return api && typeof api.trace?.getTracer === 'function' ? api : undefined;
  } catch {
    return undefined;
  }
}
