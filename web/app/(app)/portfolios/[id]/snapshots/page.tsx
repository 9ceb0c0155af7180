import type { Metadata } from "next";
import { SnapshotsView } from "@/features/snapshots/components/SnapshotsView";

export const metadata: Metadata = { title: "Snapshots" };

export default async function SnapshotsPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <SnapshotsView id={id} />;
}
