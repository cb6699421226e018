/** Makes the page below stream: its shell (and status) is sent with this, before the page renders. */
export default function Loading() {
  return <p>Loading…</p>;
}
