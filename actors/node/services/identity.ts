/**
 * The identity service: loads the node's keys and signed identity document from the data dir, or
 * creates them on first start, so a second start is the same node. Keys are sealed with the
 * passphrase (Argon2id); without one they are kept in plain form and the node says so.
 */
import { mkdir } from 'node:fs/promises';
import type { Clock } from '../../clock.js';
import {
  createIdentity,
  hasIdentity,
  loadIdentity,
  saveIdentity
} from '../../identity/identity.js';
import type { LocalIdentity } from '../../identity/identity.js';
import { updateIdentityDocument } from '../../identity/document.js';
import { MIN_LIMITS } from '../../identity/keystore.js';
import type { Transport } from '../../transports/types.js';
import { withContact } from '../../net/contacts.js';
import type { ServiceDefinition } from '../service-graph.js';

export interface IdentityOptions {
  dataDir: string;
  name: string;
  clock: Clock;
  /** Empty: keys stored unsealed (devnet peers, or an operator who chose so). */
  passphrase: string;
  /** Cheaper Argon2id limits for throwaway devnet identities. */
  fastKdf?: boolean;
  onCreated?: (identity: LocalIdentity) => void;
}

export function identityService(options: IdentityOptions): {
  definition: ServiceDefinition;
  get: () => LocalIdentity | undefined;
  publishContacts: (transport: Transport) => Promise<LocalIdentity>;
} {
  let identity: LocalIdentity | undefined;
  const definition: ServiceDefinition = {
    name: 'identity',
    dependsOn: [],
    open: async () => {
      await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
      if (await hasIdentity(options.dataDir)) {
        identity = await loadIdentity(options.dataDir, options.passphrase);
        return;
      }
      identity = createIdentity(
        { contacts: {}, services: ['network'], name: options.name },
        Math.floor(options.clock.now())
      );
      await save(identity);
      options.onCreated?.(identity);
    }
  };
  const save = (next: LocalIdentity) =>
    saveIdentity(options.dataDir, next, options.passphrase, {
      allowPlaintext: options.passphrase === '',
      ...(options.fastKdf ? { limits: MIN_LIMITS } : {})
    });
  /**
   * Names the node's transport in its document: a new signed revision, saved atomically, only when
   * the contact changed (a new port), so a restart on the same address writes nothing.
   */
  const publishContacts = async (transport: Transport): Promise<LocalIdentity> => {
    const current = identity;
    if (!current) throw new Error('identity is not loaded');
    const contacts = withContact(current.document.body.contacts, transport.kind, transport.address);
    if (!contacts) return current;
    const document = updateIdentityDocument(
      current.keys,
      current.document,
      { contacts },
      Math.floor(options.clock.now())
    );
    const next = { keys: current.keys, document };
    await save(next);
    identity = next;
    return next;
  };
  return { definition, get: () => identity, publishContacts };
}
