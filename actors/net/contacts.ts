/**
 * Transport addresses ⇄ the contact URLs a node publishes in its identity document. A tcp address
 * already is a URL (`tcp://127.0.0.1:4000`); a memory or NATS address is a bare token (the devnet
 * name, the NATS subject token), published as `memory://<token>` or `nats://<token>`.
 */
import type { Contacts } from '../../machines/identity/document.js';

const KINDS = ['tcp', 'nats', 'memory'] as const;
type Kind = (typeof KINDS)[number];

const isKind = (kind: string): kind is Kind => (KINDS as readonly string[]).includes(kind);

/** The contact URL of a transport address. */
export function contactFor(kind: string, address: string): string {
  return address.includes('://') ? address : `${kind}://${address}`;
}

/**
 * A relayed contact, as a hidden node publishes it (docs/proxy.md): `proxy://HOST:PORT#TOKEN` in
 * its tcp list stands for the transport address `proxy:tcp://HOST:PORT#TOKEN`.
 */
const RELAYED = /^proxy:\/\/((?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}#[A-Za-z0-9_-]{1,128})$/;

/** The transport address in a contact URL of that kind (undefined for another kind). */
export function addressFromContact(kind: string, contact: string | undefined): string | undefined {
  if (!contact) return undefined;
  if (kind === 'tcp') {
    const relayed = RELAYED.exec(contact);
    if (relayed) return `proxy:tcp://${relayed[1] as string}`;
    return contact.startsWith('tcp://') ? contact : undefined;
  }
  const prefix = `${kind}://`;
  return contact.startsWith(prefix) ? contact.slice(prefix.length) : undefined;
}

/**
 * `contacts` with this transport's contact as the only one of its kind (an old port or subject is
 * stale once the node listens elsewhere; other kinds are kept), or null when nothing changes.
 */
export function withContact(contacts: Contacts, kind: string, address: string): Contacts | null {
  if (!isKind(kind)) return null;
  const url = contactFor(kind, address);
  const list = contacts[kind] ?? [];
  if (list.length === 1 && list[0] === url) return null;
  return { ...contacts, [kind]: [url] };
}
