import type { Msg, NatsConnection } from '../../contract/nats.js';
import { decodeJson, encodeJson } from '../../contract/envelope.js';
import type { CommandInfo, ExecuteRequest, PluginAnnouncement } from '../../contract/messages/commands.js';
import type { Result } from '../../contract/result.js';
import { subjects } from '../../contract/subjects.js';

/**
 * A plugin played by the test over the bus: announces commands and answers `execute` requests with
 * whatever `answer` returns (or never, when it returns undefined). It plays its plugin host too: the
 * announcement goes where a host relays its own process's (`rosey.host.<plugin>.<gen>.ready`).
 */
export async function fakePlugin(
  nc: NatsConnection,
  name: string,
  commands: Array<Partial<CommandInfo> & { name: string }>,
  answer: (
    request: ExecuteRequest,
    msg: Msg,
  ) => Result<unknown> | undefined | Promise<Result<unknown> | undefined>,
) {
  const requests: Array<{ request: ExecuteRequest; msg: Msg }> = [];
  const announcement: PluginAnnouncement = {
    plugin: name,
    generation: 1,
    version: '0.0.1',
    pid: process.pid,
    commands: commands.map((c) => ({ usage: c.name, description: '', minRank: 0, aliases: [], ...c })),
  };
  const announce = () => nc.publish(subjects.hostedReady(name, 1), encodeJson(announcement));
  const subs = [
    nc.subscribe(subjects.execute(name, 1), {
      callback: (_e, msg) => {
        const decoded = decodeJson(msg.data);
        if (!decoded.ok) return;
        const request = decoded.data as ExecuteRequest;
        requests.push({ request, msg });
        void Promise.resolve(answer(request, msg)).then((result) => {
          if (result !== undefined) msg.respond(encodeJson(result));
        });
      },
    }),
    nc.subscribe(subjects.pluginsDiscover, { callback: () => announce() }),
  ];
  await nc.flush();
  announce();
  return {
    requests,
    announce,
    stop: () => subs.forEach((s) => s.unsubscribe()),
  };
}
