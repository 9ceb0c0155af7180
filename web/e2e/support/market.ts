import { createServer, type Server } from "node:http";

/**
 * CoinGecko and CoinPaprika stand-ins: ETH at $3000 and USDC at $1, nothing else priced. The coin
 * list (`fetch-all-coins`) also names XYZ, a coin that no price endpoint knows, so a portfolio can
 * target an asset without a price.
 */
export function startFakeMarket(port: number): Promise<Server> {
  const now = new Date().toISOString();
  const markets = [
    { id: "ethereum", symbol: "eth", name: "Ethereum", current_price: 3000, market_cap: 360000000000, market_cap_rank: 2, total_volume: 1000000, last_updated: now },
    { id: "usd-coin", symbol: "usdc", name: "USDC", current_price: 1, market_cap: 60000000000, market_cap_rank: 7, total_volume: 1000000, last_updated: now },
  ];
  const coins = [
    { id: "ethereum", symbol: "eth", name: "Ethereum", platforms: {} },
    { id: "usd-coin", symbol: "usdc", name: "USDC", platforms: {} },
    { id: "xyz-unpriced", symbol: "xyz", name: "Xyz Unpriced", platforms: {} },
  ];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    let body: unknown = [];
    if (url.pathname.endsWith("/coins/markets")) body = url.searchParams.get("page") === "1" || !url.searchParams.get("page") ? markets : [];
    else if (url.pathname.endsWith("/coins/list")) body = coins;
    else if (url.pathname.endsWith("/simple/price")) body = {};
    else if (url.pathname.endsWith("/ping")) body = { gecko_says: "(V3) To the Moon!" };
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}
