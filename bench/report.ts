/**
 * Writes one benchmark's figures into docs/benchmarks.md, replacing only its own section, and notes
 * the machine they were measured on. Figures are compared as ratios within one run.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, totalmem, platform, arch } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const file = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'benchmarks.md');

/** One line describing the machine, written under each section. */
export function machineNote(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const gib = (totalmem() / 2 ** 30).toFixed(0);
  return `${cpus().length} × ${cpu}, ${gib} GiB, ${platform()}-${arch()}, Node ${process.version}`;
}

/** A markdown table from a header row and data rows. */
export function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Replace (or append) the section `name` of docs/benchmarks.md with `body`. */
export function writeSection(name: string, body: string): void {
  const begin = `<!-- bench:${name}:begin -->`;
  const end = `<!-- bench:${name}:end -->`;
  const stamp = new Date().toISOString().slice(0, 10);
  const section = `${begin}\n${body.trim()}\n\n_Measured ${stamp} on ${machineNote()}._\n${end}`;
  let doc = existsSync(file)
    ? readFileSync(file, 'utf8')
    : '# Benchmarks\n\nWritten by `make bench`. Each section is rewritten by its own benchmark.\n';
  const at = doc.indexOf(begin);
  const stop = doc.indexOf(end);
  if (at >= 0 && stop > at) doc = doc.slice(0, at) + section + doc.slice(stop + end.length);
  else doc = `${doc.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, doc);
}
