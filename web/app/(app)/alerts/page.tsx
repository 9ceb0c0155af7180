import type { Metadata } from "next";
import { AlertsView } from "@/features/alerts/components/AlertsView";

export const metadata: Metadata = { title: "Alerts" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/** Alerts link here as /alerts?alert=<id>: that alert is marked in the history. */
export default async function AlertsPage({ searchParams }: Props) {
  const { alert } = await searchParams;
  return <AlertsView highlight={typeof alert === "string" ? alert : null} />;
}
