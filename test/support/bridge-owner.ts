import { createActor, sendTo, setup, type EventObject } from 'xstate';
import { busBridge, type BridgeCommand, type BridgeInput } from '../../actors/bus/bridge.actor.js';
import { eventually } from './nats.js';

type OwnerEvent = { type: 'test.command'; command: BridgeCommand } | EventObject;

/** An actor that owns a bus bridge and records every event the bridge sends it. */
export function startBridgeOwner(input: BridgeInput) {
  const events: EventObject[] = [];
  const machine = setup({
    types: { input: {} as BridgeInput, context: {} as { input: BridgeInput }, events: {} as OwnerEvent },
    actors: { bus: busBridge },
  }).createMachine({
    context: ({ input }) => ({ input }),
    invoke: { id: 'bus', src: 'bus', input: ({ context }) => context.input },
    on: {
      'test.command': {
        actions: sendTo('bus', ({ event }) => (event as { command: BridgeCommand }).command),
      },
      '*': { actions: ({ event }) => events.push(event) },
    },
  });
  const actor = createActor(machine, { input });
  actor.start();
  return {
    actor,
    events,
    command: (command: BridgeCommand) => actor.send({ type: 'test.command', command }),
    /** The first recorded event of `type` matching `where`, waiting for it. */
    next: <T extends EventObject>(type: string, where: (e: T) => boolean = () => true, timeoutMs = 5000) =>
      eventually(
        () => events.find((e): e is T => e.type === type && where(e as T)),
        `event ${type}`,
        timeoutMs,
      ),
    bound: (count = 1) =>
      eventually(() => events.filter((e) => e.type === 'bus.bound').length >= count, 'bus.bound'),
    stop: () => actor.stop(),
  };
}
