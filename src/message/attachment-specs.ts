import { basename } from 'node:path';
import { Readable } from 'node:stream';
import type { Attachment } from './types';
import { describeValue, hasControlChar, invalid, isPlainObject } from './validation';

/** A MIME type `type/subtype`, optionally followed by `; parameters`. */
const CONTENT_TYPE = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+\/[A-Za-z0-9!#$%&'*+.^_`|~-]+(?:\s*;.*)?$/;

/** True for a Node.js readable stream (or an object that pipes like one). */
export function isReadableLike(value: unknown): value is Readable {
  if (value instanceof Readable) return true;
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
 * of objects, each with exactly one of `content` (string, Buffer, Uint8Array or readable stream) and `path`
 * (non-empty string), a valid `filename` (required with `content`; else the base name of `path` must be valid),
 * and valid optional `contentType` and `cid` (no control characters, no angle brackets).
 *
 * `undefined` and `null` mean no attachments.
 *
 * @throws MailerError `MESSAGE_INVALID` naming the field, e.g. `attachments[0].filename`.
 */
export function validateAttachmentSpecs(attachments: unknown): asserts attachments is Attachment[] | undefined {
  if (attachments === undefined || attachments === null) return;
  if (!Array.isArray(attachments)) {
    throw invalid('attachments', `must be an array, not ${describeValue(attachments)}.`, 'Give attachments as an array like [{ filename, content }] or [{ path }].');
  }
  attachments.forEach((spec: unknown, i) => validateSpec(spec, `attachments[${i}]`));
}

function validateSpec(spec: unknown, f: string): void {
  if (!isPlainObject(spec)) {
    throw invalid(f, `must be an object, not ${describeValue(spec)}.`, `Give ${f} as { filename, content } or { path }.`);
  }
  const { content, path, filename, contentType, cid } = spec;
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
  }
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
