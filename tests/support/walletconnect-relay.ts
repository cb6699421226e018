/**
 * A local stand-in for WalletConnect's relay (wss://relay.walletconnect.org), which this offline
 * machine cannot reach. It is a test double for a network service only: both ends of the session
 * are the real WalletConnect clients (the paywall's wagmi connector in Chromium, `@walletconnect/
 * sign-client` as the phone wallet), and they encrypt end to end, so the relay never reads a
 * message — it only routes opaque envelopes by topic, as the real one does.
 *
 * Speaks the relay's JSON-RPC over WebSocket (source: @walletconnect/relay-api's method names and
 * @walletconnect/core's relayer): `irn_subscribe`/`irn_batchSubscribe`/`irn_unsubscribe`,
 * `irn_publish`/`irn_batchPublish`, `irn_batchFetchMessages`, and the sign protocol's
 * `wc_proposeSession` / `wc_approveSession` publish methods. Messages are kept per topic and handed
 * to every other subscriber, including ones that subscribe later (the relay's mailbox).
 */
import { createHash } from "node:crypto";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";

type Envelope = { topic: string; message: string; publishedAt: number; tag: number; from: WebSocket };

export type WalletConnectRelay = {
  /** ws:// URL to give both clients as their relayUrl. */
  url: string;
  /** The pairing topic of every session proposal published (`wc_proposeSession`), in order. */
  proposedPairingTopics: string[];
  close: () => Promise<void>;
};

// Tags of the sign protocol's messages (WalletConnect specs, sign/rpc-methods).
const TAG_SESSION_PROPOSE_RESPONSE = 1101;
const TAG_SESSION_SETTLE = 1102;

export async function startWalletConnectRelay(): Promise<WalletConnectRelay> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => server.once("listening", resolve));
  const subscribers = new Map<string, Set<WebSocket>>();
  const mailbox = new Map<string, Envelope[]>();
  const proposedPairingTopics: string[] = [];
  const subscriptionId = (topic: string) => createHash("sha256").update(topic).digest("hex");

  const deliver = (to: WebSocket, e: Envelope) => {
    if (to === e.from || to.readyState !== to.OPEN) return;
    to.send(
      JSON.stringify({
        id: Date.now() * 1000 + Math.floor(Math.random() * 1000),
        jsonrpc: "2.0",
        method: "irn_subscription",
        params: { id: subscriptionId(e.topic), data: { topic: e.topic, message: e.message, publishedAt: e.publishedAt, tag: e.tag } },
      }),
    );
  };
  const publish = (from: WebSocket, topic: string, message: string, tag: number) => {
    const envelope = { topic, message, publishedAt: Date.now(), tag, from };
    mailbox.set(topic, [...(mailbox.get(topic) ?? []), envelope]);
    for (const socket of subscribers.get(topic) ?? []) deliver(socket, envelope);
  };
  const subscribe = (socket: WebSocket, topic: string) => {
    if (!subscribers.has(topic)) subscribers.set(topic, new Set());
    subscribers.get(topic)!.add(socket);
    // After the answer has gone out: what was published before this subscription.
    setImmediate(() => (mailbox.get(topic) ?? []).forEach((e) => deliver(socket, e)));
    return subscriptionId(topic);
  };

  server.on("connection", (socket) => {
    socket.on("message", (raw) => {
      let request: { id?: number; method?: string; params?: Record<string, unknown>; result?: unknown };
      try {
        request = JSON.parse(String(raw));
      } catch {
        return;
      }
      if (!request.method) return; // a client's acknowledgement of a delivery
      const p = request.params ?? {};
      const str = (k: string) => String(p[k] ?? "");
      let result: unknown = true;
      switch (request.method) {
        case "irn_subscribe":
          result = subscribe(socket, str("topic"));
          break;
        case "irn_batchSubscribe":
          result = (p.topics as string[]).map((t) => subscribe(socket, t));
          break;
        case "irn_unsubscribe":
          subscribers.get(str("topic"))?.delete(socket);
          break;
        case "irn_batchUnsubscribe":
          for (const s of (p.subscriptions as { topic: string }[]) ?? []) subscribers.get(s.topic)?.delete(socket);
          break;
        case "irn_publish":
          publish(socket, str("topic"), str("message"), Number(p.tag ?? 0));
          break;
        case "irn_batchPublish":
          for (const m of (p.messages as { topic: string; message: string; tag?: number }[]) ?? []) publish(socket, m.topic, m.message, m.tag ?? 0);
          break;
        case "irn_batchFetchMessages":
          result = { messages: [], hasMore: false };
          break;
        case "wc_proposeSession":
          // The proposer hears the wallet's answer on the pairing topic without subscribing itself.
          proposedPairingTopics.push(str("pairingTopic"));
          subscribe(socket, str("pairingTopic"));
          publish(socket, str("pairingTopic"), str("sessionProposal"), Number(p.tag ?? 0));
          break;
        case "wc_approveSession":
          // Likewise the approving wallet hears the session's requests without subscribing itself.
          subscribe(socket, str("sessionTopic"));
          publish(socket, str("pairingTopic"), str("sessionProposalResponse"), TAG_SESSION_PROPOSE_RESPONSE);
          publish(socket, str("sessionTopic"), str("sessionSettlementRequest"), TAG_SESSION_SETTLE);
          break;
        default:
          socket.send(JSON.stringify({ id: request.id, jsonrpc: "2.0", error: { code: -32601, message: `method not found: ${request.method}` } }));
          return;
      }
      socket.send(JSON.stringify({ id: request.id, jsonrpc: "2.0", result }));
    });
    socket.on("close", () => subscribers.forEach((set) => set.delete(socket)));
  });

  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    proposedPairingTopics,
    close: () =>
      new Promise<void>((resolve) => {
        server.clients.forEach((c) => c.terminate());
        server.close(() => resolve());
      }),
  };
}
