import { Webhook } from "standardwebhooks";

const webhook = new Webhook(process.env.TOLLGATE_WEBHOOK_SECRET!); // "whsec_…"

export async function POST(request: Request) {
  const body = await request.text(); // the raw body: parsing first would change what was signed
  let event: { type: string; data: { id: string; status: string; amount: string } };
  try {
    event = webhook.verify(body, Object.fromEntries(request.headers)) as typeof event; // throws unless signed and recent
  } catch {
    return new Response("bad signature", { status: 400 });
  }
  // Deliveries are at least once: skip a webhook-id you have already handled.
  if (event.type === "payment.settled") {
    /* fulfil the order for event.data.id */
  }
  return new Response("ok");
}
