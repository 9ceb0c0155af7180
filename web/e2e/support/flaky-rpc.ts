import { createServer, type Server } from "node:http";

/**
 * An RPC endpoint that forwards JSON-RPC to a node until told to fail: `POST /__e2e/fail`
 * makes every call answer HTTP 503 (as a node behind a failing load balancer), `POST
 * /__e2e/heal` restores it. The journey uses it to show a partly failed sync.
 */
export function startFlakyRpc(port: number, upstream: string): Promise<Server> {
  let failing = false;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      if (req.url === "/__e2e/fail" || req.url === "/__e2e/heal") {
        failing = req.url === "/__e2e/fail";
        res.writeHead(204).end();
        return;
      }
      if (failing) {
        res.writeHead(503, { "content-type": "text/plain" }).end("upstream unavailable");
        return;
      }
      try {
        const r = await fetch(upstream, { method: "POST", headers: { "content-type": "application/json" }, body: Buffer.concat(chunks) });
        res.writeHead(r.status, { "content-type": "application/json" }).end(Buffer.from(await r.arrayBuffer()));
      } catch (e) {
        res.writeHead(502).end((e as Error).message);
      }
    });
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}
