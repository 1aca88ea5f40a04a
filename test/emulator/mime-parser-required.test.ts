import { describe, expect, it } from 'vitest';
import { MailerError } from '../../src/errors/mailer-error';
import { requireMimeParser } from '../../src/emulator/mime-message';

describe('the emulator needs mailparser, an optional peer dependency', () => {
  it('finds it when it is installed (here: a dev dependency), without loading it', () => {
    expect(() => requireMimeParser()).not.toThrow();
  });

  it('names the npm command to run when it is missing', () => {
    const error = (() => {
      try {
        requireMimeParser(() => false);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(MailerError);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('optional package mailparser') });
    expect((error as MailerError).fix).toContain('`npm install --save-dev mailparser`');
  });
});
