import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { validationError } from '../errors.js';

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * A custom domain as stored: lower-case ASCII (IDNs in punycode), no trailing dot. Rejects anything
 * that is not a public-looking DNS name: IPs, `localhost`, single labels, ports, paths, and the
 * default short domain itself.
 */
export function normaliseHostname(input: string, defaultDomain: string): string {
  const trimmed = input.trim().toLowerCase().replace(/\.$/, '');
  const invalid = (why: string) => validationError(`hostname ${why}`, { field: 'hostname' });
  if (trimmed === '') throw invalid('is empty');
  if (/[/:?#@\s[\]\\]/.test(trimmed)) throw invalid('must be a bare host name such as links.example.com (no scheme, port or path)');
  if (isIP(trimmed) !== 0) throw invalid('must be a DNS name, not an IP address');
  const ascii = domainToASCII(trimmed);
  if (!ascii) throw invalid('is not a valid DNS name');
  if (ascii.length > 253) throw invalid('is longer than 253 characters');
  const labels = ascii.split('.');
  if (labels.length < 2) throw invalid('needs at least two labels, such as links.example.com');
  if (!labels.every((l) => LABEL.test(l))) throw invalid('is not a valid DNS name (letters, digits and inner hyphens, labels of 1–63)');
  if (/^\d+$/.test(labels[labels.length - 1]!)) throw invalid('must be a DNS name, not an IP address');
  if (ascii === 'localhost' || ascii.endsWith('.localhost')) throw invalid('must not be localhost');
  if (ascii === defaultDomain.toLowerCase().replace(/:\d+$/, '')) throw invalid('is the default short domain');
  return ascii;
}
