import type { TestUser } from "./support/oidc";

export const ADMIN: TestUser = {
  id: "6a1c0f52-2b7e-4d1e-9a53-000000000001",
  username: "alice",
  password: "alice-password",
  email: "alice@example.test",
  name: "Alice Admin",
  roles: ["admin", "offline_access"],
};

export const USER: TestUser = {
  id: "6a1c0f52-2b7e-4d1e-9a53-000000000002",
  username: "bob",
  password: "bob-password",
  email: "bob@example.test",
  name: "Bob User",
  roles: ["offline_access"],
};

/** anvil's first dev account: 10000 ETH. */
export const ANVIL_ACCOUNT_0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
