"use client";

import { Badge, Card, TableWrap, td, th } from "@/components/ui";
import { PROTOCOL_NAMES, useLocationName } from "@/lib/api/get-chains";
import { rawToDecimal } from "@/lib/decimal";
import type { Account, Holding, ProtocolSummary } from "@/lib/api/types";
import { formatQuantity, formatUsd, timeAgo } from "@/lib/format";

type Details = {
  protocol?: string;
  position_id?: string;
  side?: string;
  fee_tier?: number;
  in_range?: boolean;
  collateral?: boolean;
  principal_raw?: string;
  fees_raw?: string;
  health_factor?: string | null;
};

const details = (h: Holding): Details => (h.details ?? {}) as Details;

/** Whether a holding is a DeFi position (shown in the protocol groups, not the plain list). */
export const isPosition = (h: Holding) => !!details(h).protocol;

/** "0.3%" for a fee tier of 3000 (hundredths of a basis point). */
export function feeTierLabel(fee: number | undefined): string {
  if (fee === undefined) return "—";
  const whole = Math.floor(fee / 10_000);
  const frac = String(fee % 10_000).padStart(4, "0").replace(/0+$/, "");
  return `${whole}${frac ? `.${frac}` : ""}%`;
}

/** Two places, cut (never rounded up: 1.499 is not shown as a safe 1.50). */
export function truncate2(v: string): string {
  const [int, frac = ""] = v.split(".");
  return `${int}.${frac.padEnd(2, "0").slice(0, 2)}`;
}

function HealthFactor({ s }: { s: ProtocolSummary }) {
  if (!s.health_factor) return <Badge tone="green">No debt</Badge>;
  const hf = truncate2(s.health_factor);
  return s.health_warning ? (
    <Badge tone="red" testId="health-factor" title="Below the warning level: the position may be liquidated if prices move (liquidation below 1)">
      Health factor {hf} · at risk
    </Badge>
  ) : (
    <Badge tone="green" testId="health-factor" title="Liquidation below 1">
      Health factor {hf}
    </Badge>
  );
}

function AaveTable({ rows }: { rows: Holding[] }) {
  return (
    <TableWrap>
      <table className="min-w-full">
        <caption className="sr-only">Aave v3 supplies and debts</caption>
        <thead>
          <tr>
            <th className={th}>Asset</th>
            <th className={th}>Position</th>
            <th className={`${th} text-right`}>Amount</th>
            <th className={`${th} text-right`}>Value</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((h, i) => (
            <tr key={`${h.contract_address}-${h.kind}-${i}`} data-testid="aave-row">
              <td className={td}>{h.symbol}</td>
              <td className={td}>
                {h.kind === "borrowed" ? <Badge tone="amber">Borrowed</Badge> : <Badge tone="blue">Supplied</Badge>}
                {h.kind === "supplied" && details(h).collateral === false && <span className="ml-2 text-xs text-slate-500">not collateral</span>}
                {h.flags?.includes("not_refreshed") && h.synced_at && <span className="ml-2 text-xs text-amber-700">read {timeAgo(h.synced_at)}</span>}
              </td>
              <td className={`${td} tabular text-right`}>{formatQuantity(h.quantity_text ?? h.quantity, h.decimals)}</td>
              <td className={`${td} tabular text-right`}>{h.value_usd ? formatUsd(h.value_usd) : h.flags?.includes("unverified") ? "not valued (unverified token)" : "no price"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

function UniswapTable({ rows }: { rows: Holding[] }) {
  const ids = [...new Set(rows.map((h) => details(h).position_id ?? "?"))];
  return (
    <div className="space-y-4">
      {ids.map((id) => {
        const parts = rows.filter((h) => (details(h).position_id ?? "?") === id);
        const d = details(parts[0]);
        return (
          <div key={id} data-testid="lp-position" data-position={id}>
            <p className="mb-1 flex flex-wrap items-center gap-2 text-sm font-medium">
              Position #{id} · {parts.map((h) => h.symbol).join(" / ")} · fee {feeTierLabel(d.fee_tier)}
              {d.in_range ? <Badge tone="green">In range</Badge> : <Badge tone="amber">Out of range</Badge>}
            </p>
            <TableWrap>
              <table className="min-w-full">
                <thead>
                  <tr>
                    <th className={th}>Token</th>
                    <th className={`${th} text-right`}>Liquidity</th>
                    <th className={`${th} text-right`}>Uncollected fees</th>
                    <th className={`${th} text-right`}>Value</th>
                  </tr>
                </thead>
                <tbody>
                  {parts.map((h) => {
                    const p = details(h);
                    return (
                      <tr key={`${id}-${p.side}`}>
                        <td className={td}>{h.symbol}</td>
                        <td className={`${td} tabular text-right`}>{formatQuantity(rawToDecimal(p.principal_raw, h.decimals), h.decimals)}</td>
                        <td className={`${td} tabular text-right`}>{formatQuantity(rawToDecimal(p.fees_raw, h.decimals), h.decimals)}</td>
                        <td className={`${td} tabular text-right`}>{h.value_usd ? formatUsd(h.value_usd) : h.flags?.includes("unverified") ? "not valued (unverified token)" : "no price"}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </TableWrap>
          </div>
        );
      })}
    </div>
  );
}

/** The account's DeFi positions, one card per protocol and chain, Aave with its health factor. */
export function DefiPositions({ account }: { account: Account }) {
  const name = useLocationName();
  const groups = account.defi ?? [];
  if (groups.length === 0) return null;
  return (
    <>
      {groups.map((s) => {
        const rows = account.holdings.filter((h) => h.location === s.location && isPosition(h));
        return (
          <Card key={s.location} title={`${PROTOCOL_NAMES[s.protocol] ?? s.protocol} · ${name(s.chain)}`} className="mb-6">
            <div className="mb-3 flex flex-wrap items-center gap-3 text-sm" data-testid="defi-group" data-protocol={s.protocol}>
              {s.protocol === "aave-v3" && <HealthFactor s={s} />}
              <span>
                Net value: <span className="tabular font-medium">{s.net_value_usd ? formatUsd(s.net_value_usd) : "incomplete (a token has no price)"}</span>
              </span>
            </div>
            {s.protocol === "uniswap-v3" ? <UniswapTable rows={rows} /> : <AaveTable rows={rows} />}
          </Card>
        );
      })}
    </>
  );
}
