import { queryOptions, useQuery } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import type { Chain } from "@/lib/api/types";

export const getChains = () => apiRequest<Chain[]>("/chains");

export const chainsQueryOptions = () => queryOptions({ queryKey: ["chains"], queryFn: getChains, staleTime: 5 * 60_000 });

export const useChains = () => useQuery(chainsQueryOptions());

const EXCHANGE_PARTS: Record<string, string> = { trading: "Trading", funding: "Funding", earn: "Earn" };

/** A location's name for people: a chain's display name ("Base", not "base"), an exchange part capitalized. */
export function locationName(chains: Chain[] | undefined, location: string): string {
  const c = chains?.find((x) => x.chain_name === location);
  if (c) return c.display_name;
  if (EXCHANGE_PARTS[location]) return EXCHANGE_PARTS[location];
  return location ? location.charAt(0).toUpperCase() + location.slice(1) : location;
}

export const useLocationName = () => {
  const chains = useChains();
  return (location: string) => locationName(chains.data, location);
};
