/**
 * Child specs for the supervisor, validated where they are written (OTP's child_spec checks), and
 * the supervisor logic every BitDust supervisor runs: the pure machine with its escalation
 * throwing a BitDustError, so a parent sees `ERR_SUPERVISOR_INTENSITY` with the report as cause.
 */
import type { AnyActorLogic, InputFrom } from 'xstate';
import { BitDustError } from '../errors.js';
import { escalationMessage, supervisorMachine } from '../../machines/supervisor/machine.js';
import { specProblem } from '../../machines/supervisor/specs.js';
import type { ChildSpec, SupervisorInput } from '../../machines/supervisor/types.js';

/** The supervisor machine as BitDust runs it (escalation is a BitDustError). */
export const supervisorLogic = supervisorMachine.provide({
  actions: {
    escalate: ({ context }) => {
      throw new BitDustError('ERR_SUPERVISOR_INTENSITY', escalationMessage(context), {
        cause: context.lastReport
      });
    }
  }
});

/** Options of a child besides its id and logic. */
export type ChildOptions<TLogic extends AnyActorLogic> = Omit<ChildSpec<TLogic>, 'id' | 'logic'>;

/**
 * A validated child spec.
 *
 * @example
 *   childSpec('peer.alice', peerMachine, { input: { id: 'alice' }, restart: 'transient' });
 */
export function childSpec<TLogic extends AnyActorLogic>(
  id: string,
  logic: TLogic,
  options: ChildOptions<TLogic> = {}
): ChildSpec {
  const spec = { ...options, id, logic } as ChildSpec;
  const problem = specProblem(spec);
  if (problem) throw new BitDustError('ERR_SUPERVISOR_BAD_SPEC', problem);
  return spec;
}

/**
 * A sub-supervisor as a child: permanent, and `infinity` to shut down (it stops its own children
 * within their timeouts), as OTP's defaults for supervisor children.
 *
 * @example
 *   supervisorSpec('peers', { strategy: 'one_for_one', children: [] });
 */
export function supervisorSpec(
  id: string,
  input: SupervisorInput,
  options: ChildOptions<typeof supervisorLogic> = {}
): ChildSpec {
  return childSpec(id, supervisorLogic, {
    shutdown: 'infinity',
    ...options,
    input: { name: id, ...input } as InputFrom<typeof supervisorLogic>
  });
}
