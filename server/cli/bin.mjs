#!/usr/bin/env node
// The `bitdust` command: registers tsx so the TypeScript sources run as they are, then hands over.
import { register } from 'tsx/esm/api';

register();
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
});
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
