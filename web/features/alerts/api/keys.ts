export const alertKeys = {
  all: ["alerts"] as const,
  channels: () => [...alertKeys.all, "channels"] as const,
  rules: () => [...alertKeys.all, "rules"] as const,
  history: () => [...alertKeys.all, "history"] as const,
};
