import { queryOptions, useQuery } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { Chain } from "@/lib/api/types";

export const getChains = () => apiRequest<Chain[]>("/chains");

export const chainsQueryOptions = () => queryOptions({ queryKey: ["chains"], queryFn: getChains, staleTime: 5 * 60_000 });

export const useChains = () => useQuery(chainsQueryOptions());

const EXCHANGE_PARTS: Record<string, string> = { trading: "Trading", funding: "Funding", earn: "Earn" };

/** DeFi protocols, by the name the API gives their locations (`<chain>:<protocol>`). */
export const PROTOCOL_NAMES: Record<string, string> = { "aave-v3": "Aave v3", "uniswap-v3": "Uniswap v3" };

/**
 * A location's name for people: a chain's display name ("Base", not "base"), an exchange part
 * capitalized, a DeFi protocol on a chain as "Aave v3 on Ethereum" (not `ethereum:aave-v3`).
 */
export function locationName(chains: Chain[] | undefined, location: string): string {
  const [chain, protocol] = location.split(":");
  if (protocol) return `${PROTOCOL_NAMES[protocol] ?? protocol} on ${locationName(chains, chain)}`;
  const c = chains?.find((x) => x.chain_name === location);
  if (c) return c.display_name;
  if (EXCHANGE_PARTS[location]) return EXCHANGE_PARTS[location];
  return location ? location.charAt(0).toUpperCase() + location.slice(1) : location;
}

export const useLocationName = () => {
  const chains = useChains();
  return (location: string) => locationName(chains.data, location);
};
