/** The one spelling of an address we store and compare: trimmed, lower case. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** A domain of email addresses: dot-separated labels of letters, digits and hyphens, at least two. */
const EMAIL_DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Whether `domain` (already lower case, no `@`) can be the part of an address after the `@`. */
export function isEmailDomain(domain: string): boolean {
  return EMAIL_DOMAIN.test(domain);
}
