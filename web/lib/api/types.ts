import type { components } from "./schema";

type Schemas = components["schemas"];

export type Me = Schemas["MeResponse"];
export type Account = Schemas["AccountResponse"];
export type Holding = Schemas["Holding"];
export type CreateAccountRequest = Schemas["CreateAccountRequest"];
export type UpdateAccountRequest = Schemas["UpdateAccountRequest"];
export type SyncAllItem = Schemas["SyncAllItem"];
export type Chain = Schemas["ChainResponse"];
export type AdminChain = Schemas["AdminChainResponse"];
export type CreateChainRequest = Schemas["CreateChainRequest"];
export type UpdateChainRequest = Schemas["UpdateChainRequest"];
export type Job = Schemas["JobResponse"];
export type JobRun = Schemas["JobRunResponse"];
export type StartedJob = Schemas["StartedJobResponse"];
export type Asset = Schemas["AssetResponse"];
export type ErrorBody = Schemas["ErrorBody"];
export type FieldError = Schemas["FieldError"];
