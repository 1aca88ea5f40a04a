import { describe, expect, it } from 'vitest';
import { DEFAULT_CONTENT_TYPE, guessContentType } from '../../src/message/content-type';

describe('guessContentType', () => {
  it.each([
    ['report.pdf', 'application/pdf'],
    ['data.csv', 'text/csv'],
    ['notes.txt', 'text/plain'],
    ['page.html', 'text/html'],
    ['page.htm', 'text/html'],
    ['a.json', 'application/json'],
    ['a.xml', 'application/xml'],
    ['logo.png', 'image/png'],
    ['photo.jpg', 'image/jpeg'],
    ['photo.jpeg', 'image/jpeg'],
    ['anim.gif', 'image/gif'],
    ['icon.svg', 'image/svg+xml'],
    ['pic.webp', 'image/webp'],
    ['bundle.zip', 'application/zip'],
    ['logs.tar.gz', 'application/gzip'],
    ['letter.doc', 'application/msword'],
    ['letter.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
    ['sheet.xls', 'application/vnd.ms-excel'],
    ['sheet.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
    ['deck.ppt', 'application/vnd.ms-powerpoint'],
    ['deck.pptx', 'application/vnd.openxmlformats-officedocument.presentationml.presentation'],
    ['invite.ics', 'text/calendar'],
    ['fwd.eml', 'message/rfc822'],
    ['README.md', 'text/markdown'],
    ['old.rtf', 'application/rtf'],
    ['scan.tif', 'image/tiff'],
    ['scan.tiff', 'image/tiff'],
    ['img.bmp', 'image/bmp'],
    ['song.mp3', 'audio/mpeg'],
    ['clip.mp4', 'video/mp4'],
    ['sound.wav', 'audio/wav'],
    ['SCAN.PDF', 'application/pdf'],
    ['Photo.JpG', 'image/jpeg'],
    ['/var/data/report.final.pdf', 'application/pdf'],
  ])('%s → %s', (name, type) => {
    expect(guessContentType(name)).toBe(type);
  });

  it.each(['noext', 'archive.rar', 'a.', '.pdf', '', 'x.toString', 'x.constructor', 'x.__proto__', 'dir.pdf/file'])(
    '%j → application/octet-stream',
    (name) => {
      expect(guessContentType(name)).toBe('application/octet-stream');
      expect(DEFAULT_CONTENT_TYPE).toBe('application/octet-stream');
    },
  );
});
