"use client";

import { PageHeader } from "@/components/ui";
import { ChannelsCard } from "./ChannelsCard";
import { HistoryCard } from "./HistoryCard";
import { RulesCard } from "./RulesCard";

export function AlertsView({ highlight }: { highlight?: string | null }) {
  return (
    <>
      <PageHeader title="Alerts" subtitle="Be told when a sync keeps failing, a price moves, a portfolio drifts or a snapshot is missed." />
      <div className="space-y-6">
        <ChannelsCard />
        <RulesCard />
        <HistoryCard highlight={highlight} />
      </div>
    </>
  );
}
