/**
 * The API token: 32 random bytes as hex in `<dataDir>/api-token`, readable by the owner only
 * (0600), created on the first start and reused afterwards so that bookmarked inspector URLs keep
 * working. A token file that is not a token is replaced rather than trusted.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError } from './errors.js';

/** The token file's name inside the data dir. */
export const TOKEN_FILE = 'api-token';
const TOKEN_PATTERN = /^[0-9a-f]{64}$/;

async function readToken(path: string): Promise<string | undefined> {
  try {
    const text = (await readFile(path, 'utf8')).trim();
    return TOKEN_PATTERN.test(text) ? text : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ApiError('ERR_API_TOKEN_FILE', 500, `cannot read ${path}`, { cause: err });
  }
}

/** Loads the token from `dataDir`, or creates it; returns the token and whether it is new. */
export async function loadOrCreateToken(
  dataDir: string
): Promise<{ token: string; path: string; created: boolean }> {
  const path = join(dataDir, TOKEN_FILE);
  const existing = await readToken(path);
  if (existing) {
    // Tighten a file someone loosened: the token is as good as the operator's session.
    if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, 0o600);
    return { token: existing, path, created: false };
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('hex');
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    // Write then rename, so a crash never leaves a half-written token behind.
    await writeFile(tmp, `${token}\n`, { mode: 0o600, flag: 'w' });
    await chmod(tmp, 0o600);
    await rename(tmp, path);
  } catch (err) {
    throw new ApiError('ERR_API_TOKEN_FILE', 500, `cannot write ${path}`, { cause: err });
  }
  return { token, path, created: true };
}
