/**
 * Builds the inspector page into inspector-ui/dist/: app.js (esbuild bundle of src/main.ts),
 * elk-worker.js (elkjs's own worker build: the chart layout runs there, off the page's thread),
 * index.html and app.css. Everything is local (no CDN, no web fonts) so that the server's CSP
 * `default-src 'self'` holds (a same-origin worker script is covered by it). Skips the work when
 * dist/ is newer than every source file.
 *
 * Run: node --import tsx inspector-ui/build.ts [--force]
 */
import { copyFile, mkdir, readdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
/** Where `make ui` writes the page; the server's default uiDir. */
export const DEFAULT_OUT_DIR = join(here, 'dist');
const SRC = join(here, 'src');
const STATIC_FILES = ['index.html', 'app.css', 'favicon.svg'];
const ELK_WORKER = createRequire(import.meta.url).resolve('elkjs/lib/elk-worker.min.js');
const OUTPUTS = ['app.js', 'elk-worker.js', ...STATIC_FILES];

async function newestSource(): Promise<number> {
  const files = (await readdir(SRC, { recursive: true })).map((f) => join(SRC, f));
  files.push(fileURLToPath(import.meta.url), join(here, '..', 'actors', 'inspection', 'types.ts'));
  const times = await Promise.all(files.map(async (f) => (await stat(f)).mtimeMs));
  return Math.max(...times);
}

async function oldestOutput(outDir: string): Promise<number> {
  try {
    const times = await Promise.all(
      OUTPUTS.map(async (f) => (await stat(join(outDir, f))).mtimeMs)
    );
    return Math.min(...times);
  } catch {
    return -Infinity;
  }
}

/** Builds the page into `outDir`; returns false when it was already up to date. */
export async function buildUi(
  options: { outDir?: string; force?: boolean } = {}
): Promise<boolean> {
  const outDir = options.outDir ?? DEFAULT_OUT_DIR;
  if (!options.force && (await oldestOutput(outDir)) > (await newestSource())) return false;
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [join(SRC, 'main.ts')],
    outfile: join(outDir, 'app.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning'
  });
  await Promise.all([
    ...STATIC_FILES.map((f) => copyFile(join(SRC, f), join(outDir, f))),
    copyFile(ELK_WORKER, join(outDir, 'elk-worker.js'))
  ]);
  return true;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = performance.now();
  const built = await buildUi({ force: process.argv.includes('--force') });
  const ms = Math.round(performance.now() - started);
  console.log(built ? `inspector-ui built in ${ms} ms` : 'inspector-ui is up to date');
}
