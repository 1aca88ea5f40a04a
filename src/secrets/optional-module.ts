import { MailerError } from '../errors/mailer-error';

function isNotFound(error: unknown, specifier: string): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return true;
  const message = error instanceof Error ? error.message : String(error);
  return message.includes(specifier) && /cannot find|not found|failed to (load|resolve)|could not resolve/i.test(message);
}

/**
 * Loads an optional peer dependency at run time with `import()`, so the library itself never requires it. A
 * missing package rejects with a {@link MailerError} `CONFIG_INVALID` that says which `npm install` to run.
 *
 * The specifier is passed as a variable on purpose: bundlers leave such imports alone, so the package is looked up
 * in the user's `node_modules` when (and only when) the feature is used.
 *
 * @example
 * ```ts
 * const { Entry } = await loadOptionalModule<typeof import('@napi-rs/keyring')>('@napi-rs/keyring', 'KeyringSecretStore')
 * ```
 */
export async function loadOptionalModule<T>(specifier: string, feature: string): Promise<T> {
  try {
    return (await import(/* @vite-ignore */ specifier)) as T;
  } catch (error) {
    const missing = isNotFound(error, specifier);
    throw new MailerError({
      code: 'CONFIG_INVALID',
      message: missing
        ? `${feature} needs the optional package ${specifier}, which is not installed: run \`npm install ${specifier}\`.`
        : `${feature} could not load the optional package ${specifier}; reinstall it with \`npm install ${specifier}\`.`,
      fix: `Run \`npm install ${specifier}\` in your application, or choose another option that does not need it.`,
      cause: error,
    });
  }
}
