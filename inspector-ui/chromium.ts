/**
 * How the browser tests launch Debian's Chromium (driven by playwright-core): headless, no
 * sandbox (containers), and nothing that reaches the network by itself.
 */

/** Debian's chromium binary; tests skip with a clear message when it is missing. */
export const CHROMIUM = '/usr/bin/chromium';

/** Flags for a quiet, offline headless browser. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic'
];
