/**
 * Teaching mode: a clock a teacher can pause, slow and step, event injection with guards
 * respected, demo narration, and a handshake lab. See docs/inspector.md.
 */
export { TeachingClock, MIN_SCALE, MAX_SCALE } from './teaching-clock.js';
export type { TeachingClockOptions, TeachingClockState } from './teaching-clock.js';
export { TeachingController, TeachingError } from './controller.js';
export type { InjectResult, NarrationLine, NetworkEntry, TeachingFeed } from './controller.js';
export { acceptedEvents } from './accepted-events.js';
export type { AcceptedEvent } from './accepted-events.js';
export { startHandshakeLab } from './handshake-lab.js';
export type { HandshakeLab, HandshakeLabOptions } from './handshake-lab.js';
