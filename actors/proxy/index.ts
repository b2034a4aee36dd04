/**
 * The proxy layer: routers, receivers, circuits and the proxy-aware transport (docs/proxy.md).
 */
export { createProxyRouter } from './router-node.js';
export type { ProxyRouter, ProxyRouterOptions, ProxyRouterStats } from './router-node.js';
export { CircuitClient } from './circuit-client.js';
export type { CircuitHandlers, CircuitTiming, RouterInfo } from './circuit-client.js';
export { ProxyReceiver, dhtDirectory, staticDirectory } from './receiver.js';
export type { ProxyReceiverOptions, ReceiverStatus, RouterDirectory } from './receiver.js';
export { createProxyTransport, PROXY_MAX_FRAME, proxyStatusOf } from './proxy-transport.js';
export type { ProxyStatus, ProxyTransport, ProxyTransportOptions } from './proxy-transport.js';
export { serveTransfers } from './transfer.js';
export type { TransferOptions, TransferServer } from './transfer.js';
export { TransferClient } from './transfer-client.js';
export { ProxyError } from './errors.js';
export { HOP_PROTOCOL } from './router-hops.js';
