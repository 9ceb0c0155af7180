import { createServer, type Server } from "node:http";

/** A coin a spec lists at run time (`POST /__e2e/coins`). */
export interface ListedCoin {
  id: string;
  symbol: string;
  name: string;
  /** Platform id -> contract (`anvil-e2e` is the test chain, `solana` Solana mints). */
  platforms: Record<string, string>;
  /** USD price; without one the coin is listed but priced nowhere. */
  price?: number;
  /** Market-cap rank (default 900: outside the price job's top list of 500). */
  rank?: number;
}

interface Market {
  id: string;
  symbol: string;
  name: string;
  current_price: number;
  market_cap: number;
  market_cap_rank: number;
  total_volume: number;
  last_updated: string;
}

/**
 * CoinGecko and CoinPaprika stand-ins: ETH at $3000 and USDC at $1, nothing else priced. The coin
 * list (`fetch-all-coins`) also names XYZ, a coin that no price endpoint knows, so a portfolio can
 * target an asset without a price. `/asset_platforms` maps the platform `anvil-e2e` to the test
 * chain (31337), and `POST /__e2e/coins` adds or replaces a coin at run time (its platform
 * contracts, and a price and rank when given), so a spec can list a token it deployed.
 *
 * As CoinGecko does, `/coins/markets` pages by market-cap rank (page p of `per_page` holds the
 * ranks (p-1)·per_page+1 … p·per_page), so a coin ranked beyond the price job's top N is not in
 * its top list; `/simple/price` answers for every priced coin by id, which is how the job prices
 * a held coin outside the top list.
 *
 * `/coins/{id}/market_chart/range` serves a priced coin's daily history at its current price
 * (one point per 00:00 UTC), and answers 404 for a coin priced nowhere: the performance spec's
 * past days are valued, and an unpriced coin's are not.
 */
export function startFakeMarket(port: number): Promise<Server> {
  const now = new Date().toISOString();
  const markets: Market[] = [
    { id: "ethereum", symbol: "eth", name: "Ethereum", current_price: 3000, market_cap: 360000000000, market_cap_rank: 2, total_volume: 1000000, last_updated: now },
    { id: "usd-coin", symbol: "usdc", name: "USDC", current_price: 1, market_cap: 60000000000, market_cap_rank: 7, total_volume: 1000000, last_updated: now },
  ];
  const coins = [
    { id: "ethereum", symbol: "eth", name: "Ethereum", platforms: {} },
    { id: "usd-coin", symbol: "usdc", name: "USDC", platforms: {} },
    { id: "xyz-unpriced", symbol: "xyz", name: "Xyz Unpriced", platforms: {} as Record<string, string> },
  ] as { id: string; symbol: string; name: string; platforms: Record<string, string> }[];
  const platforms = [
    { id: "anvil-e2e", chain_identifier: 31337, name: "Anvil", shortname: "anvil" },
    // As CoinGecko lists it: no EVM chain id.
    { id: "solana", chain_identifier: null, name: "Solana", shortname: "sol" },
  ];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (req.method === "POST" && url.pathname === "/__e2e/coins") {
      let raw = "";
      req.on("data", (c) => (raw += c));
      req.on("end", () => {
        const c = JSON.parse(raw) as ListedCoin;
        const i = coins.findIndex((x) => x.id === c.id);
        const coin = { id: c.id, symbol: c.symbol, name: c.name, platforms: c.platforms };
        if (i >= 0) coins[i] = coin;
        else coins.push(coin);
        if (c.price !== undefined) {
          const m = markets.find((x) => x.id === c.id);
          const rank = c.rank ?? m?.market_cap_rank ?? 900;
          const entry: Market = { id: c.id, symbol: c.symbol, name: c.name, current_price: c.price, market_cap: 1000000, market_cap_rank: rank, total_volume: 1000, last_updated: new Date().toISOString() };
          if (m) Object.assign(m, entry);
          else markets.push(entry);
        }
        res.writeHead(204);
        res.end();
      });
      return;
    }
    const chart = /\/coins\/([^/]+)\/market_chart\/range$/.exec(url.pathname);
    if (chart) {
      // Daily history: a point at every 00:00 UTC in the range, at the coin's price (constant, so
      // a spec can work its figures out); a coin priced nowhere is not found, as CoinGecko says.
      const m = markets.find((x) => x.id === decodeURIComponent(chart[1]));
      if (!m) {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: "coin not found" }));
        return;
      }
      const [from, to] = [Number(url.searchParams.get("from")), Number(url.searchParams.get("to"))];
      const prices: [number, number][] = [];
      for (let t = Math.ceil(from / 86400) * 86400; t <= to; t += 86400) prices.push([t * 1000, m.current_price]);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ prices, market_caps: [], total_volumes: [] }));
      return;
    }
    let body: unknown = [];
    if (url.pathname.endsWith("/coins/markets")) {
      const perPage = Number(url.searchParams.get("per_page") ?? 100);
      const page = Number(url.searchParams.get("page") ?? 1);
      const [from, to] = [(page - 1) * perPage + 1, page * perPage];
      body = markets.filter((m) => m.market_cap_rank >= from && m.market_cap_rank <= to).sort((a, b) => a.market_cap_rank - b.market_cap_rank);
    } else if (url.pathname.endsWith("/coins/list")) body = coins;
    else if (url.pathname.endsWith("/asset_platforms")) body = platforms;
    else if (url.pathname.endsWith("/simple/price")) {
      const ids = (url.searchParams.get("ids") ?? "").split(",").map((s) => s.trim());
      const prices: Record<string, Record<string, number>> = {};
      for (const m of markets.filter((x) => ids.includes(x.id))) {
        prices[m.id] = { usd: m.current_price, usd_market_cap: m.market_cap, usd_24h_vol: m.total_volume, last_updated_at: Math.floor(Date.parse(m.last_updated) / 1000) };
      }
      body = prices;
    } else if (url.pathname.endsWith("/ping")) body = { gecko_says: "(V3) To the Moon!" };
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}
