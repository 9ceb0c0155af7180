import { createServer, type Server } from "node:http";

/**
 * CoinGecko and CoinPaprika stand-ins: ETH at $3000 and USDC at $1, nothing else priced. The coin
 * list (`fetch-all-coins`) also names XYZ, a coin that no price endpoint knows, so a portfolio can
 * target an asset without a price. `/asset_platforms` maps the platform `anvil-e2e` to the test
 * chain (31337), and `POST /__e2e/coins` adds or replaces a coin at run time (its platform
 * contracts, and a price when given), so a spec can list a token it deployed.
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
    { id: "xyz-unpriced", symbol: "xyz", name: "Xyz Unpriced", platforms: {} as Record<string, string> },
  ] as { id: string; symbol: string; name: string; platforms: Record<string, string> }[];
  const platforms = [{ id: "anvil-e2e", chain_identifier: 31337, name: "Anvil", shortname: "anvil" }];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (req.method === "POST" && url.pathname === "/__e2e/coins") {
      let raw = "";
      req.on("data", (c) => (raw += c));
      req.on("end", () => {
        const c = JSON.parse(raw) as { id: string; symbol: string; name: string; platforms: Record<string, string>; price?: number };
        const i = coins.findIndex((x) => x.id === c.id);
        const coin = { id: c.id, symbol: c.symbol, name: c.name, platforms: c.platforms };
        if (i >= 0) coins[i] = coin;
        else coins.push(coin);
        if (c.price !== undefined && !markets.some((m) => m.id === c.id)) {
          markets.push({ id: c.id, symbol: c.symbol, name: c.name, current_price: c.price, market_cap: 1000000, market_cap_rank: 900, total_volume: 1000, last_updated: new Date().toISOString() });
        }
        res.writeHead(204);
        res.end();
      });
      return;
    }
    let body: unknown = [];
    if (url.pathname.endsWith("/coins/markets")) body = url.searchParams.get("page") === "1" || !url.searchParams.get("page") ? markets : [];
    else if (url.pathname.endsWith("/coins/list")) body = coins;
    else if (url.pathname.endsWith("/asset_platforms")) body = platforms;
    else if (url.pathname.endsWith("/simple/price")) body = {};
    else if (url.pathname.endsWith("/ping")) body = { gecko_says: "(V3) To the Moon!" };
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}
