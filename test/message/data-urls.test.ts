import { describe, expect, it } from 'vitest';
import { attachDataUrls } from '../../src/message/data-urls';
import type { MailMessage } from '../../src/message/types';

describe('attachDataUrls (nodemailer’s data: image conversion)', () => {
  it('turns each data: image into an inline attachment and refers to it by cid, leaving the caller’s object alone', () => {
    const message: MailMessage = {
      to: 'a@x.com',
      html: '<img src="data:image/png;base64,iVBORw=="><img class=x src=\'data:image/svg+xml;charset=utf-8,%3Csvg%2F%3E\'>',
      attachments: [{ filename: 'a.txt', content: 'a' }],
    };
    const out = attachDataUrls(message);
    const cids = [...out.html!.matchAll(/src=["']cid:([0-9a-f]{20}@localhost)["']/g)].map((m) => m[1]);
    expect(cids).toHaveLength(2);
    expect(out.attachments).toEqual([
      { filename: 'a.txt', content: 'a' },
      { filename: 'image-1.png', content: Buffer.from('iVBORw==', 'base64'), contentType: 'image/png', cid: cids[0] },
      { filename: 'image-2.svg', content: Buffer.from('<svg/>'), contentType: 'image/svg+xml', cid: cids[1] },
    ]);
    expect(message.html).toContain('data:image/png');
    expect(message.attachments).toHaveLength(1);
  });

  it('leaves html without a data: image, a data: URL outside <img src>, and no html as they are', () => {
    const plain: MailMessage = { to: 'a@x.com', html: '<a href="data:text/plain;base64,eA==">x</a>' };
    expect(attachDataUrls(plain)).toBe(plain);
    const none: MailMessage = { to: 'a@x.com', text: 'data:image/png;base64,eA==' };
    expect(attachDataUrls(none)).toBe(none);
  });
});
