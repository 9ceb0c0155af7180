import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";

/** A read-only key of the fake Binance (64 alphanumerics, as Binance issues them). */
export const BINANCE_READ_KEY = "e2eReadOnlyKey".padEnd(64, "R");
export const BINANCE_READ_SECRET = "e2e-read-only-secret";
/** A key that can withdraw: the API must refuse it. */
export const BINANCE_WITHDRAW_KEY = "e2eWithdrawKey".padEnd(64, "W");
export const BINANCE_WITHDRAW_SECRET = "e2e-withdraw-secret";

const keys: Record<string, { secret: string; uid: number; withdraw: boolean }> = {
  [BINANCE_READ_KEY]: { secret: BINANCE_READ_SECRET, uid: 5001, withdraw: false },
  [BINANCE_WITHDRAW_KEY]: { secret: BINANCE_WITHDRAW_SECRET, uid: 5002, withdraw: true },
};

/**
 * A Binance stand-in that checks requests as Binance does (the key is known, the signature is
 * the HMAC-SHA256 of the exact query or form body as received, `timestamp` within `recvWindow`)
 * and answers in Binance's documented shapes: spot ETH 1.5 and an LDUSDC mirror row (which the
 * API must skip), funding USDC 250.25, Simple Earn flexible USDC 100 and locked ETH 0.5.
 * With ETH at $3000 and USDC at $1 the account is worth $6,350.25.
 */
export function startFakeBinance(port: number): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const [path, query = ""] = (req.url ?? "/").split("?", 2);
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json", "x-mbx-used-weight-1m": "1" });
        res.end(JSON.stringify(body));
      };
      if (path === "/api/v3/time") return send(200, { serverTime: Date.now() });
      const key = String(req.headers["x-mbx-apikey"] ?? "");
      if (key.length !== 64) return send(401, { code: -2014, msg: "API-key format invalid." });
      const known = keys[key];
      if (!known) return send(401, { code: -2015, msg: "Invalid API-key, IP, or permissions for action." });
      const payload = req.method === "POST" ? Buffer.concat(chunks).toString() : query;
      const at = payload.lastIndexOf("&signature=");
      if (at < 0) return send(400, { code: -1102, msg: "Mandatory parameter 'signature' was not sent." });
      const signed = payload.slice(0, at);
      const params = new URLSearchParams(signed);
      const timestamp = Number(params.get("timestamp"));
      const recvWindow = Number(params.get("recvWindow") ?? 5000);
      const now = Date.now();
      if (!(timestamp < now + 1000 && now - timestamp <= recvWindow)) return send(400, { code: -1021, msg: "Timestamp for this request is outside of the recvWindow." });
      const expected = createHmac("sha256", known.secret).update(signed).digest("hex");
      if (payload.slice(at + "&signature=".length) !== expected) return send(400, { code: -1022, msg: "Signature for this request is not valid." });
      const page = params.get("current") ?? "1";
      switch (`${req.method} ${path}`) {
        case "GET /api/v3/account":
          return send(200, {
            makerCommission: 15,
            takerCommission: 15,
            canTrade: false,
            canWithdraw: known.withdraw,
            canDeposit: true,
            updateTime: 123456789,
            accountType: "SPOT",
            balances: [
              { asset: "ETH", free: "1.50000000", locked: "0.00000000" },
              { asset: "LDUSDC", free: "100.00000000", locked: "0.00000000" },
            ],
            permissions: ["SPOT"],
            uid: known.uid,
          });
        case "POST /sapi/v1/asset/get-funding-asset":
          return send(200, [{ asset: "USDC", free: "250.25", locked: "0", freeze: "0", withdrawing: "0", btcValuation: "0.0025" }]);
        case "GET /sapi/v1/simple-earn/flexible/position":
          return send(200, page === "1" ? { rows: [{ totalAmount: "100.00000000", asset: "USDC", productId: "USDC001", canRedeem: true, latestAnnualPercentageRate: "0.05" }], total: 1 } : { rows: [], total: 1 });
        case "GET /sapi/v1/simple-earn/locked/position":
          return send(200, page === "1" ? { rows: [{ positionId: 1, projectId: "Eth*30", asset: "ETH", amount: "0.50000000", duration: "30", status: "HOLDING" }], total: 1 } : { rows: [], total: 1 });
        case "GET /sapi/v1/account/apiRestrictions":
          return send(200, {
            ipRestrict: false,
            createTime: 1698645219000,
            enableReading: true,
            enableWithdrawals: known.withdraw,
            enableInternalTransfer: false,
            enableMargin: false,
            enableFutures: false,
            permitsUniversalTransfer: false,
            enableVanillaOptions: false,
            enableSpotAndMarginTrading: false,
            enablePortfolioMarginTrading: false,
          });
        default:
          return send(404, { code: -1000, msg: "Not Found" });
      }
    });
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}
