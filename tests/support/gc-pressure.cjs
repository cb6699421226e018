// Preloaded into a server under test (NODE_OPTIONS="--expose-gc --require …/gc-pressure.cjs"):
// V8's optimizing compiler for every function from its first call (instead of after hundreds), and
// a full garbage collection every few milliseconds, so that anything the money path holds only
// weakly (e.g. a fetch Response whose body is still to be piped, which optimized code stops
// keeping alive) is collected mid-request, as it was, rarely, under real load.
require("node:v8").setFlagsFromString("--always-turbofan");
if (typeof globalThis.gc === "function") setInterval(() => globalThis.gc(), 3).unref();
