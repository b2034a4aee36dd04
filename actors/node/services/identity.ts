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
import { MIN_LIMITS } from '../../identity/keystore.js';
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
      await saveIdentity(options.dataDir, identity, options.passphrase, {
        allowPlaintext: options.passphrase === '',
        ...(options.fastKdf ? { limits: MIN_LIMITS } : {})
      });
      options.onCreated?.(identity);
    }
  };
  return { definition, get: () => identity };
}
