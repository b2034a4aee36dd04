/**
 * Node configuration: defaults < config file < environment < explicit options (CLI flags).
 * Every key is checked on its own so that a bad value produces exactly one message naming the key,
 * its source and what was expected; the CLI prints them all and exits with code 2.
 */
import { readFileSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { BitDustError } from '../errors.js';

/** The validated configuration every part of a node reads. */
export interface NodeConfig {
  /** Where the node keeps its identity, API token, LMDB files and logs. */
  dataDir: string;
  /** The local API port on 127.0.0.1 (0 picks a free one). */
  port: number;
  /** How many in-process devnet peers to start beside the node (0: none). */
  devnet: number;
  /** Seed for every simulated choice (delays, loss, ordering); absent: seeded from the OS. */
  seed: number | undefined;
  /** A human-friendly node name shown in the inspector. */
  name: string;
  /** pino log level. */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Whether the local API (and the inspector it serves) starts with the node. */
  api: boolean;
  /**
   * How the node's backups compress blocks before sealing: `auto` deflates what a sample shows
   * compresses, `off` stores every block as it is (docs/storage.md).
   */
  compression: 'auto' | 'off';
}

type Source = 'default' | 'file' | 'env' | 'option';
type Raw = Record<string, unknown>;

interface KeySpec {
  env: string;
  parse(value: unknown): { ok: true; value: unknown } | { ok: false; expected: string };
}

const integer = (min: number, max: number): KeySpec['parse'] => {
  return (v) => {
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    return typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max
      ? { ok: true, value: n }
      : { ok: false, expected: `an integer from ${min} to ${max}` };
  };
};
const text = (maxLength: number): KeySpec['parse'] => {
  return (v) =>
    typeof v === 'string' && v.length > 0 && v.length <= maxLength
      ? { ok: true, value: v }
      : { ok: false, expected: `a non-empty string of at most ${maxLength} characters` };
};
const oneOf = (values: readonly string[]): KeySpec['parse'] => {
  return (v) =>
    typeof v === 'string' && values.includes(v)
      ? { ok: true, value: v }
      : { ok: false, expected: `one of ${values.join(', ')}` };
};
const boolean: KeySpec['parse'] = (v) => {
  if (typeof v === 'boolean') return { ok: true, value: v };
  if (v === 'true' || v === '1') return { ok: true, value: true };
  if (v === 'false' || v === '0') return { ok: true, value: false };
  return { ok: false, expected: 'true or false' };
};

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const KEYS: Record<keyof NodeConfig, KeySpec> = {
  dataDir: { env: 'BITDUST_DATA_DIR', parse: text(4096) },
  port: { env: 'BITDUST_PORT', parse: integer(0, 65535) },
  devnet: { env: 'BITDUST_DEVNET', parse: integer(0, 256) },
  seed: { env: 'BITDUST_SEED', parse: integer(0, 2 ** 32 - 1) },
  name: { env: 'BITDUST_NAME', parse: text(64) },
  logLevel: { env: 'BITDUST_LOG_LEVEL', parse: oneOf(LOG_LEVELS) },
  api: { env: 'BITDUST_API', parse: boolean },
  compression: { env: 'BITDUST_COMPRESSION', parse: oneOf(['auto', 'off']) }
};

/** The defaults a node starts from when nothing else is said. */
export function defaultConfig(): NodeConfig {
  return {
    dataDir: join(homedir(), '.bitdust-ts'),
    port: 8787,
    devnet: 8,
    seed: undefined,
    name: 'node',
    logLevel: 'info',
    api: true,
    compression: 'auto'
  };
}

/** One bad key: which one, where it came from, and what was expected. */
export interface ConfigIssue {
  key: string;
  source: Source | string;
  message: string;
}

/** Raised with every bad key at once, so an operator fixes them in one go. */
export class ConfigError extends BitDustError {
  constructor(readonly issues: ConfigIssue[]) {
    super(
      'ERR_CONFIG_INVALID',
      issues.map((i) => `${i.key} (${i.source}): ${i.message}`).join('; ')
    );
    this.name = 'ConfigError';
  }
}

export interface LoadConfigOptions {
  /** Explicit options, e.g. CLI flags; undefined values are ignored. */
  options?: Partial<Record<keyof NodeConfig, unknown>>;
  /** A JSON config file; defaults to `<dataDir>/config.json` when that exists. */
  configFile?: string;
  /** The environment to read BITDUST_* variables from. */
  env?: NodeJS.ProcessEnv;
}

/** Merge and validate every source; throws {@link ConfigError} naming each bad key. */
export function loadConfig({
  options = {},
  configFile,
  env = process.env
}: LoadConfigOptions = {}): NodeConfig {
  const issues: ConfigIssue[] = [];
  const layers: [Source | string, Raw][] = [];

  const explicitDir = options.dataDir ?? env[KEYS.dataDir.env];
  const dir =
    typeof explicitDir === 'string' && explicitDir ? explicitDir : defaultConfig().dataDir;
  const file = configFile ?? join(dir, 'config.json');
  if (configFile !== undefined || existsSync(file)) {
    const fromFile = readConfigFile(file, issues);
    if (fromFile) layers.push([`file ${file}`, fromFile]);
  }
  const fromEnv: Raw = {};
  for (const [key, spec] of Object.entries(KEYS)) {
    if (env[spec.env] !== undefined) fromEnv[key] = env[spec.env];
  }
  layers.push(['env', fromEnv]);
  layers.push([
    'option',
    Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined))
  ]);

  const config: Raw = { ...defaultConfig() };
  for (const [source, raw] of layers) {
    for (const [key, value] of Object.entries(raw)) {
      const spec = KEYS[key as keyof NodeConfig];
      if (!spec) {
        issues.push({
          key,
          source,
          message: `unknown key (known: ${Object.keys(KEYS).join(', ')})`
        });
        continue;
      }
      const parsed = spec.parse(value);
      if (parsed.ok) config[key] = parsed.value;
      else {
        const where = source === 'env' ? `env ${spec.env}` : source;
        issues.push({
          key,
          source: where,
          message: `expected ${parsed.expected}, got ${show(value)}`
        });
      }
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const result = config as unknown as NodeConfig;
  return { ...result, dataDir: resolve(result.dataDir) };
}

function readConfigFile(file: string, issues: ConfigIssue[]): Raw | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    issues.push({
      key: 'configFile',
      source: file,
      message: `cannot read: ${(err as Error).message}`
    });
    return undefined;
  }
  if (text.length > 64 * 1024) {
    issues.push({ key: 'configFile', source: file, message: 'larger than 64 KiB' });
    return undefined;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Raw;
    issues.push({ key: 'configFile', source: file, message: 'expected a JSON object' });
  } catch (err) {
    issues.push({
      key: 'configFile',
      source: file,
      message: `not valid JSON: ${(err as Error).message}`
    });
  }
  return undefined;
}

function show(value: unknown): string {
  const s = typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
  return s === undefined ? String(value) : s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
