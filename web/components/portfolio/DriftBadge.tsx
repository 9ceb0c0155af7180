import { Badge } from "@/components/ui";
import { formatSignedPoints } from "@/lib/format";

export type DriftStatus = "ok" | "over" | "under" | "unallocated";

/** How far an asset sits from its target: on target, over or under its band, or without a target. */
export function DriftBadge({ status, points }: { status: DriftStatus | string; points?: string | null }) {
  const pts = points === null || points === undefined ? "" : ` ${formatSignedPoints(points)}`;
  switch (status) {
    case "ok":
      return (
        <Badge tone="green" testId="drift-badge" title="Within the drift band">
          On target{pts}
        </Badge>
      );
    case "over":
      return (
        <Badge tone="red" testId="drift-badge" title="Above the drift band: a candidate to sell">
          Over{pts}
        </Badge>
      );
    case "under":
      return (
        <Badge tone="amber" testId="drift-badge" title="Below the drift band: a candidate to buy">
          Under{pts}
        </Badge>
      );
    default:
      return (
        <Badge tone="slate" testId="drift-badge" title="Held without a target: never traded">
          No target
        </Badge>
      );
  }
}
