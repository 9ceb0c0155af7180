import type { components } from "./schema";

type Schemas = components["schemas"];

export type Me = Schemas["MeResponse"];
export type Account = Schemas["AccountResponse"];
export type Holding = Schemas["Holding"];
export type ProtocolSummary = Schemas["ProtocolSummary"];
export type CreateAccountRequest = Schemas["CreateAccountRequest"];
export type UpdateAccountRequest = Schemas["UpdateAccountRequest"];
export type SyncAllItem = Schemas["SyncAllItem"];
export type Chain = Schemas["ChainResponse"];
export type Exchange = Schemas["ExchangeResponse"];
export type AdminChain = Schemas["AdminChainResponse"];
export type CreateChainRequest = Schemas["CreateChainRequest"];
export type UpdateChainRequest = Schemas["UpdateChainRequest"];
export type Job = Schemas["JobResponse"];
export type JobRun = Schemas["JobRunResponse"];
export type StartedJob = Schemas["StartedJobResponse"];
export type Asset = Schemas["AssetResponse"];
export type ErrorBody = Schemas["ErrorBody"];
export type FieldError = Schemas["FieldError"];
export type MigrationsResult = Schemas["MigrationsResponse"];
export type Portfolio = Schemas["PortfolioResponse"];
export type CreatePortfolioRequest = Schemas["CreatePortfolioRequest"];
export type UpdatePortfolioRequest = Schemas["UpdatePortfolioRequest"];
export type Guardrails = Schemas["Guardrails"];
export type TargetItem = Schemas["TargetItem"];
export type Allocation = Schemas["AllocationResponse"];
export type AllocationLine = Schemas["AllocationLine"];
export type Snapshot = Schemas["SnapshotResponse"];
export type TimelinePoint = Schemas["TimelinePoint"];
export type Recommendation = Schemas["RecommendationResponse"];
export type Trade = Schemas["Trade"];
export type Blocking = Schemas["Blocking"];
export type BlockingReason = Schemas["BlockingReason"];
export type EvmToken = Schemas["TokenResponse"];
export type CreateTokenRequest = Schemas["CreateTokenRequest"];
export type UpdateTokenRequest = Schemas["UpdateTokenRequest"];
export type ManualHoldingRequest = Schemas["ManualHoldingRequest"];
export type ManualEntry = Schemas["ManualEntryResponse"];
export type DailyBalance = Schemas["DailyBalanceResponse"];
export type NetWorth = Schemas["NetWorthResponse"];
export type MarketStatus = Schemas["MarketStatusResponse"];
export type SyncRun = Schemas["SyncRun"];
export type SyncStep = Schemas["SyncStep"];
export type AccountLocation = NonNullable<Account["locations"]>[number];
export type UserToken = Schemas["UserTokenResponse"];
export type AddTokenRequest = Schemas["AddTokenRequest"];
export type SetTokenMarkRequest = Schemas["SetTokenMarkRequest"];
export type LedgerEntry = Schemas["EntryResponse"];
export type LedgerEntries = Schemas["EntriesResponse"];
export type LedgerEntryRequest = Schemas["EntryRequest"];
export type LedgerSide = Schemas["SideResponse"];
export type LedgerKind = Schemas["Kind"];
export type LedgerRevision = Schemas["RevisionResponse"];
export type LedgerImportReport = Schemas["ImportReport"];
export type HistoryReport = Schemas["HistoryReport"];
export type LedgerImportLine = Schemas["ImportLine"];
export type LedgerImportFormat = Schemas["Format"];
export type LedgerLineNote = Schemas["LineNote"];
export type LedgerSettings = Schemas["LedgerSettings"];
export type CostMethod = Schemas["Method"];
export type CostPooling = Schemas["Pooling"];
export type LedgerGains = Schemas["GainsResponse"];
export type DisposalLine = Schemas["DisposalLine"];
export type IncomeLine = Schemas["IncomeLine"];
export type LedgerMissing = Schemas["Missing"];
export type LedgerPnl = Schemas["PnlResponse"];
export type AssetPnl = Schemas["AssetPnl"];
export type LedgerReconciliation = Schemas["ReconciliationResponse"];
export type ReconciledAsset = Schemas["ReconciledAsset"];
export type AuditEvent = Schemas["AuditEventResponse"];
export type AuditPage = Schemas["AuditPage"];
export type SolanaRpc = Schemas["SolanaRpcResponse"];
export type UpdateSolanaRpcRequest = Schemas["UpdateSolanaRpcRequest"];
export type Performance = Schemas["PerformanceResponse"];
export type PerformancePoint = Schemas["PointResponse"];
export type ReturnFigure = Schemas["ReturnFigure"];
export type Benchmark = Schemas["BenchmarkResponse"];
export type PerformanceIncomplete = Schemas["Incomplete"];

/**
 * One asset's line in `GET /api/performance`'s `assets` (issue 28), written by hand until the
 * OpenAPI document has it: once `PerformanceResponse` gains `assets`, `PerformanceAsset` below
 * becomes the generated type by itself, and this draft can be deleted.
 */
export interface PerformanceAssetDraft {
  asset_id: string;
  symbol: string;
  start_value_usd?: string | null;
  end_value_usd?: string | null;
  net_flows_usd?: string | null;
  profit_usd?: string | null;
  contribution: ReturnFigure;
  incomplete?: PerformanceIncomplete | null;
}

type GeneratedAsset<P> = P extends { assets?: (infer A)[] | null } ? A : never;
export type PerformanceAsset = "assets" extends keyof Performance ? GeneratedAsset<Performance> : PerformanceAssetDraft;
/** The answer with `assets`, which an API from before issue 28's per-asset part leaves out. */
export type PerformanceWithAssets = Performance & { assets?: PerformanceAsset[] | null };
