import nock from 'nock';
import { afterEach } from 'vitest';

// No test may reach Microsoft or any other host: only loopback (the emulator and local test servers).
nock.disableNetConnect();
nock.enableNetConnect(/^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/);

afterEach(() => {
  nock.cleanAll();
});
