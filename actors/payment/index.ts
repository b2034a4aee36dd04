/**
 * Payment and fairness (docs/payment.md): the payment service a node runs on its router, with the
 * contract helpers and the metering input storage feeds.
 */
export { createPaymentNode, cosignContract, verifyContract } from './node.js';
export type { PaymentNode, PaymentNodeOptions } from './node.js';
export { DEFAULT_TIMING } from './context.js';
export type { PaymentTiming } from './context.js';
export { decodePayment, encodePayment, PAYMENT_SERVICE } from './wire.js';
export type { PaymentMessage } from './wire.js';
