/**
 * `bitdust identity show | export | import FILE | rotate --contact URL…`: the node's identity on
 * disk. Commands that change it refuse while the node runs, since the node holds the document.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeConfig } from '../../actors/node/config.js';
import { decodeIdentityDocument, updateIdentityDocument } from '../../actors/identity/document.js';
import {
  exportIdentity,
  hasIdentity,
  importIdentity,
  loadIdentity,
  saveIdentity
} from '../../actors/identity/identity.js';
import type { Contacts } from '../../machines/identity/document.js';
import { EXIT, UsageError } from './args.js';
import type { Flags } from './args.js';
import { RUNTIME_FILE } from './host.js';
import type { Io } from './main.js';

const passphrase = () => process.env.BITDUST_PASSPHRASE ?? '';

function refuseWhileRunning(config: NodeConfig): void {
  if (existsSync(join(config.dataDir, RUNTIME_FILE))) {
    throw new UsageError(
      `the node in ${config.dataDir} is running: stop it first (bitdust node stop)`
    );
  }
}

function contactsFrom(urls: string[]): Contacts {
  const contacts: Record<string, string[]> = {};
  for (const url of urls) {
    const scheme = /^(tcp|nats|memory):\/\//.exec(url)?.[1];
    if (!scheme)
      throw new UsageError(`contact '${url}' must start with tcp://, nats:// or memory://`);
    (contacts[scheme] ??= []).push(url);
  }
  return contacts as Contacts;
}

export async function identityCommand(
  action: string | undefined,
  args: string[],
  config: NodeConfig,
  flags: Flags,
  io: Io
): Promise<number> {
  if (action !== 'import' && !(await hasIdentity(config.dataDir))) {
    io.err(`bitdust: no identity in ${config.dataDir} (start the node once, or import one)`);
    return EXIT.notRunning;
  }
  switch (action) {
    case 'show': {
      const doc = decodeIdentityDocument(await readFile(join(config.dataDir, 'identity.doc')));
      const b = doc.body;
      const view = {
        id: b.id,
        name: b.name,
        revision: b.revision,
        contacts: b.contacts,
        services: b.services,
        identityKey: Buffer.from(b.identityKey).toString('hex'),
        noiseKey: Buffer.from(b.noiseKey).toString('hex')
      };
      if (flags.json) io.out(JSON.stringify(view));
      else
        for (const [k, v] of Object.entries(view))
          io.out(`${k.padEnd(12)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
      return EXIT.ok;
    }
    case 'export': {
      if (!passphrase()) throw new UsageError('set BITDUST_PASSPHRASE: exports are always sealed');
      const armored = await exportIdentity(
        await loadIdentity(config.dataDir, passphrase()),
        passphrase()
      );
      if (flags.out) {
        await writeFile(flags.out, armored, { mode: 0o600, flag: 'wx' });
        io.out(`identity written to ${flags.out}`);
      } else io.out(armored.trimEnd());
      return EXIT.ok;
    }
    case 'import': {
      const file = args[0];
      if (!file) throw new UsageError('bitdust identity import FILE');
      refuseWhileRunning(config);
      if ((await hasIdentity(config.dataDir)) && !flags.force) {
        throw new UsageError(
          `${config.dataDir} already holds an identity (use --force to replace it)`
        );
      }
      const identity = await importIdentity(await readFile(file, 'utf8'), passphrase());
      await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
      await saveIdentity(config.dataDir, identity, passphrase(), {
        allowPlaintext: passphrase() === ''
      });
      io.out(`imported identity ${identity.document.body.id}`);
      return EXIT.ok;
    }
    case 'rotate': {
      if (!flags.contact?.length)
        throw new UsageError('bitdust identity rotate --contact URL [--contact URL …]');
      refuseWhileRunning(config);
      const current = await loadIdentity(config.dataDir, passphrase());
      const document = updateIdentityDocument(
        current.keys,
        current.document,
        { contacts: contactsFrom(flags.contact) },
        Date.now()
      );
      await saveIdentity(config.dataDir, { keys: current.keys, document }, passphrase(), {
        allowPlaintext: passphrase() === ''
      });
      io.out(`identity ${document.body.id} is now at revision ${document.body.revision}`);
      return EXIT.ok;
    }
    default:
      throw new UsageError('bitdust identity show | export | import FILE | rotate --contact URL');
  }
}
