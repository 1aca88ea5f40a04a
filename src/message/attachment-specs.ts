import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { checkEncoding, fileAccessRefused } from './content-checks';
import { checkAttachmentFields } from './fields';
import type { Attachment } from './types';
import { describeValue, hasControlChar, invalid, isPlainObject } from './validation';
import { isNodeReadable } from '../runtime/node-builtins';

/** A MIME type `type/subtype`, optionally followed by `; parameters`. */
export const CONTENT_TYPE = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+\/[A-Za-z0-9!#$%&'*+.^_`|~-]+(?:\s*;.*)?$/;

/** True for a Node.js readable stream (or an object that pipes like one). */
export function isReadableLike(value: unknown): value is Readable {
  if (isNodeReadable(value)) return true;
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { pipe?: unknown }).pipe === 'function' &&
    typeof (value as { on?: unknown }).on === 'function'
  );
}

/**
 * Why `name` cannot be an attachment's file name, or `undefined` when it can: it must be non-blank, free of
 * control characters and of path separators (`/`, `\`), and not `.` or `..`.
 */
export function fileNameProblem(name: string): string | undefined {
  if (name.trim() === '') return 'is empty';
  if (hasControlChar(name)) return `contains a line break or another control character: ${describeValue(name)}`;
  if (/[/\\]/.test(name)) return `contains a path separator (/ or \\): ${describeValue(name)}`;
  if (name === '.' || name === '..') return `is ${describeValue(name)}, which is not a file name`;
  return undefined;
}

/**
 * Checks the metadata of `attachments` without touching the file system or reading any stream: that it is an array
 * of objects with only known fields (an unknown one, or `href`, is refused), each with exactly one of `content`
 * (string, Buffer, Uint8Array or readable stream), `path` (non-empty string; refused when `disableFileAccess`) and
 * `raw` (a prepared MIME part), a valid `filename` (required with `content`; else the base name of `path` must be
 * valid), and valid optional `encoding` (string `content` only), `contentType`, `contentDisposition`, `headers` and
 * `cid` (no control characters, no angle brackets).
 *
 * `undefined` and `null` mean no attachments.
 *
 * @throws MailerError `MESSAGE_INVALID` naming the field, e.g. `attachments[0].filename`.
 */
export function validateAttachmentSpecs(attachments: unknown, options: { disableFileAccess?: boolean } = {}): asserts attachments is Attachment[] | undefined {
  if (attachments === undefined || attachments === null) return;
  if (!Array.isArray(attachments)) {
    throw invalid('attachments', `must be an array, not ${describeValue(attachments)}.`, 'Give attachments as an array like [{ filename, content }] or [{ path }].');
  }
  attachments.forEach((spec: unknown, i) => validateSpec(spec, `attachments[${i}]`, options.disableFileAccess === true));
}

/**
 * The attachment fields of already validated `attachments` that only MIME carries (`attachments[1].headers`,
 * `attachments[0].raw`, an `inline` disposition without `cid`, an `attachment` disposition with one).
 */
export function attachmentMimeReasons(attachments: readonly Attachment[] | undefined | null): string[] {
  const reasons: string[] = [];
  (attachments ?? []).forEach((a, i) => {
    const f = `attachments[${i}]`;
    if (a.raw !== undefined && a.raw !== null) reasons.push(`${f}.raw`);
    if (a.headers !== undefined && a.headers !== null && Object.keys(a.headers).length > 0) reasons.push(`${f}.headers`);
    const hasCid = a.cid !== undefined && a.cid !== null;
    if ((a.contentDisposition === 'inline' && !hasCid) || (a.contentDisposition === 'attachment' && hasCid)) reasons.push(`${f}.contentDisposition`);
  });
  return reasons;
}

function validateRawPart(spec: Record<string, unknown>, f: string): void {
  const extra = Object.keys(spec).find((k) => k !== 'raw' && spec[k] !== undefined && spec[k] !== null);
  if (extra !== undefined) {
    throw invalid(`${f}.${extra}`, 'is given together with raw; raw is the whole MIME part, so it would be ignored.', `Give ${f} either raw alone, or content/path with ${extra}.`);
  }
  const raw = spec['raw'];
  if (typeof raw !== 'string' && !(raw instanceof Uint8Array)) {
    throw invalid(`${f}.raw`, `must be a string or a Buffer holding a MIME part, not ${describeValue(raw)}.`, `Give ${f}.raw as the MIME part's headers, a blank line and its body.`);
  }
}

function validateSpec(spec: unknown, f: string, disableFileAccess: boolean): void {
  if (!isPlainObject(spec)) {
    throw invalid(f, `must be an object, not ${describeValue(spec)}.`, `Give ${f} as { filename, content } or { path }.`);
  }
  checkAttachmentFields(spec, f);
  if (spec['raw'] !== undefined && spec['raw'] !== null) return validateRawPart(spec, f);
  const { content, path, filename, contentType, cid, encoding, contentDisposition, headers } = spec;
  const hasContent = content !== undefined && content !== null;
  const hasPath = path !== undefined && path !== null;
  if (hasContent && hasPath) {
    throw invalid(f, 'has both content and path.', `Give ${f} either content or path, not both.`);
  }
  if (!hasContent && !hasPath) {
    throw invalid(f, 'has neither content nor path.', `Give ${f} the bytes as content, or a file to read as path.`);
  }
  if (hasContent && typeof content !== 'string' && !(content instanceof Uint8Array) && !isReadableLike(content)) {
    throw invalid(
      `${f}.content`,
      `must be a string, a Buffer, a Uint8Array or a readable stream, not ${describeValue(content)}.`,
      `Give ${f}.content as a string, a Buffer, a Uint8Array or a readable stream.`,
    );
  }
  if (hasPath) {
    if (typeof path !== 'string' || path === '' || path.includes('\u0000')) {
      throw invalid(`${f}.path`, `must be a non-empty file path without NUL characters, not ${describeValue(path)}.`, `Give ${f}.path as the path of a readable file.`);
    }
    if (disableFileAccess) throw fileAccessRefused(`${f}.path`);
  }
  if (encoding !== undefined && encoding !== null) {
    checkEncoding(encoding, `${f}.encoding`);
    if (typeof content !== 'string') {
      throw invalid(`${f}.encoding`, 'applies only to content given as a string.', `Remove ${f}.encoding, or give ${f}.content as the encoded string.`);
    }
  }
  if (contentDisposition !== undefined && contentDisposition !== null && contentDisposition !== 'attachment' && contentDisposition !== 'inline') {
    throw invalid(`${f}.contentDisposition`, `must be 'attachment' or 'inline', not ${describeValue(contentDisposition)}.`, `Set ${f}.contentDisposition to 'attachment' or 'inline', or leave it out.`);
  }
  if (headers !== undefined && headers !== null) validatePartHeaders(headers, `${f}.headers`);
  if (filename !== undefined && filename !== null) {
    if (typeof filename !== 'string') {
      throw invalid(`${f}.filename`, `must be a string, not ${describeValue(filename)}.`, `Give ${f}.filename as a file name like report.pdf.`);
    }
    const problem = fileNameProblem(filename);
    if (problem) {
      throw invalid(`${f}.filename`, `${problem}.`, `Give ${f}.filename as a plain file name like report.pdf, without folders or control characters.`);
    }
  } else if (hasContent) {
    throw invalid(`${f}.filename`, 'is required when content is given.', `Give ${f}.filename, the name recipients see, like report.pdf.`);
  } else {
    const derived = basename(path as string);
    const problem = fileNameProblem(derived);
    if (problem) {
      throw invalid(
        `${f}.path`,
        `does not end in a usable file name: the name ${problem}.`,
        `Give ${f}.filename, the name recipients see, like report.pdf.`,
      );
    }
  }
  if (contentType !== undefined && contentType !== null) {
    if (typeof contentType !== 'string' || hasControlChar(contentType) || !CONTENT_TYPE.test(contentType)) {
      throw invalid(`${f}.contentType`, `is not a MIME type like application/pdf: ${describeValue(contentType)}.`, `Give ${f}.contentType as a MIME type like application/pdf, or leave it out to have it guessed.`);
    }
  }
  if (cid !== undefined && cid !== null) {
    if (typeof cid !== 'string' || cid.trim() === '' || hasControlChar(cid) || /[<>]/.test(cid)) {
      throw invalid(
        `${f}.cid`,
        `must be a non-empty Content-ID without control characters or angle brackets, not ${describeValue(cid)}.`,
        `Give ${f}.cid as a bare id like logo@example (without < >) and reference it as <img src="cid:logo@example">.`,
      );
    }
  }
}

/** Header names of a MIME part the library writes itself. */
const PART_HEADERS_SET_BY_FIELDS = new Set(['content-type', 'content-disposition', 'content-transfer-encoding', 'content-id']);

function validatePartHeaders(headers: unknown, f: string): void {
  if (!isPlainObject(headers)) {
    throw invalid(f, `must be an object of name: value pairs, not ${describeValue(headers)}.`, `Give ${f} like { 'X-Scan': 'clean' }.`);
  }
  for (const [name, value] of Object.entries(headers)) {
    const field = `${f}.${hasControlChar(name) ? JSON.stringify(name) : name}`;
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) {
      throw invalid(field, 'is not a header name (letters, digits and hyphens, no spaces or colons).', `Rename the header, like 'X-Scan'.`);
    }
    if (PART_HEADERS_SET_BY_FIELDS.has(name.toLowerCase())) {
      throw invalid(field, 'is written from the attachment\'s own fields.', 'Use contentType, contentDisposition or cid instead of this header.');
    }
    const values = Array.isArray(value) ? value : [value];
    if (values.length === 0 || values.some((v) => typeof v !== 'string' || hasControlChar(v))) {
      throw invalid(field, `must be a string (or an array of strings) without line breaks, not ${describeValue(value)}.`, `Give ${field} as one line of text.`);
    }
  }
}
