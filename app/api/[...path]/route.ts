import { errorResponse, TollgateError } from "@/lib/errors";

export const dynamic = "force-dynamic";

// Any /api/ path no route handler serves, for every method: a JSON 404 as every other API error.
// Without it Next answers with the HTML not-found page, and treats a POST to it as a possible
// server action: a malformed multipart body there was a 500 from Next's action handler.
function notFound(request: Request): Response {
  const path = new URL(request.url).pathname;
  return errorResponse(new TollgateError("not_found", `No API route at ${path}`), `api ${path}`);
}

export { notFound as GET, notFound as POST, notFound as PUT, notFound as PATCH, notFound as DELETE, notFound as OPTIONS };
