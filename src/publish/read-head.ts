/**
 * At most `max` bytes of a response body, as UTF-8; the rest is never read and the body is
 * cancelled. A body that breaks off throws, unless `keepOnError`: then what arrived is kept
 * (an upload's answer still has a status worth reporting).
 */
export async function readHead(body: ReadableStream<Uint8Array>, max: number, keepOnError = false): Promise<string> {
  const reader = body.getReader();
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    while (total < max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(Buffer.from(value));
      total += value.length;
    }
  } catch (err) {
    if (!keepOnError) throw err;
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}
