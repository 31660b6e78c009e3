// The start of an HTTP answer from an endpoint Slipway posts to (Slack, a webhook receiver): at most `max`
// bytes, as text, and the rest of the body cancelled; a stranger's answer could be anything, of any size.
export async function readAnswer(res: Response, max: number): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks).subarray(0, max).toString("utf8");
}
