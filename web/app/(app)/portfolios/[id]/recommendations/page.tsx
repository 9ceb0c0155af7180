import type { Metadata } from "next";
import { RecommendationsView } from "@/features/recommendations/components/RecommendationsView";

export const metadata: Metadata = { title: "Recommendations" };

export default async function RecommendationsPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <RecommendationsView id={id} />;
}
