#!/usr/bin/env node
// DeFi fixture: deploys the REAL Aave v3 and Uniswap v3 contracts (the hardhat artifacts shipped in their npm
// packages, no compilation) on a local anvil node and drives scenarios, so the Rust tests can compare the API's
// numbers with the on-chain oracles (Pool.getUserAccountData, aToken/debt-token balanceOf, static-called
// NonfungiblePositionManager.decreaseLiquidity / collect).
//
//   node tools/defi-fixture/fixture.mjs <command> --rpc <url> [--args '<json>']
//
// Prints exactly one JSON object on stdout; logs go to stderr. Integers are base-10 strings, addresses lowercase.
// See README.md next to this file for the commands, their arguments and outputs.

import { writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { AbiCoder, Interface, getCreate2Address, getCreateAddress, keccak256, toUtf8String, hexlify, toUtf8Bytes } from 'ethers';

const require = createRequire(import.meta.url);

// ---------------------------------------------------------------------------------------------------------------
// Constants

// anvil account 5: the deployer (not account 0 or 3, which other tests rely on; never Multicall3's deployer).
const DEFAULT_DEPLOYER = '0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc';
// anvil account 1 (mnemonic "test test ... junk", index 1): the default scenario user.
const DEFAULT_USER = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';
const FORBIDDEN_SENDERS = new Set(['0x05f32b3cc3888453ff71b01135b34ff8e41263f2']);
// Where `deploy` records its output (as the account's code, set with anvil_setCode) so later commands find the
// deployed addresses without being told; it survives --dump-state/--load-state like any other state.
const REGISTRY = '0x00000000000000000000000000000000def1f1c7';
const CANONICAL_POOL_INIT_CODE_HASH = '0xe34f199b19b2b4f47f68442619d555527d244f78a3297ea89325f843f87b8b54';
const ZERO = '0x0000000000000000000000000000000000000000';
const MAX_UINT256 = (1n << 256n) - 1n;
const MAX_UINT128 = (1n << 128n) - 1n;
const FAR_DEADLINE = 10n ** 12n; // year ~33658: survives any evm_increaseTime a test does
const RAY = 10n ** 27n;
const TICK_SPACING = { 100: 1, 500: 10, 3000: 60, 10000: 200 };

// ---------------------------------------------------------------------------------------------------------------
// Artifacts

const AAVE = '@aave/core-v3/artifacts/contracts/';
// Paths only: an artifact is parsed the first time it is used (the oracle commands need a few small ones).
const ARTIFACT_PATHS = {
  PoolAddressesProvider: AAVE + 'protocol/configuration/PoolAddressesProvider.sol/PoolAddressesProvider.json',
  ACLManager: AAVE + 'protocol/configuration/ACLManager.sol/ACLManager.json',
  BorrowLogic: AAVE + 'protocol/libraries/logic/BorrowLogic.sol/BorrowLogic.json',
  BridgeLogic: AAVE + 'protocol/libraries/logic/BridgeLogic.sol/BridgeLogic.json',
  ConfiguratorLogic: AAVE + 'protocol/libraries/logic/ConfiguratorLogic.sol/ConfiguratorLogic.json',
  EModeLogic: AAVE + 'protocol/libraries/logic/EModeLogic.sol/EModeLogic.json',
  FlashLoanLogic: AAVE + 'protocol/libraries/logic/FlashLoanLogic.sol/FlashLoanLogic.json',
  LiquidationLogic: AAVE + 'protocol/libraries/logic/LiquidationLogic.sol/LiquidationLogic.json',
  PoolLogic: AAVE + 'protocol/libraries/logic/PoolLogic.sol/PoolLogic.json',
  SupplyLogic: AAVE + 'protocol/libraries/logic/SupplyLogic.sol/SupplyLogic.json',
  Pool: AAVE + 'protocol/pool/Pool.sol/Pool.json',
  PoolConfigurator: AAVE + 'protocol/pool/PoolConfigurator.sol/PoolConfigurator.json',
  DefaultReserveInterestRateStrategy: AAVE + 'protocol/pool/DefaultReserveInterestRateStrategy.sol/DefaultReserveInterestRateStrategy.json',
  AToken: AAVE + 'protocol/tokenization/AToken.sol/AToken.json',
  StableDebtToken: AAVE + 'protocol/tokenization/StableDebtToken.sol/StableDebtToken.json',
  VariableDebtToken: AAVE + 'protocol/tokenization/VariableDebtToken.sol/VariableDebtToken.json',
  AaveOracle: AAVE + 'misc/AaveOracle.sol/AaveOracle.json',
  AaveProtocolDataProvider: AAVE + 'misc/AaveProtocolDataProvider.sol/AaveProtocolDataProvider.json',
  MockAggregator: AAVE + 'mocks/oracle/CLAggregators/MockAggregator.sol/MockAggregator.json',
  MintableERC20: AAVE + 'mocks/tokens/MintableERC20.sol/MintableERC20.json',
  UiPoolDataProviderV3: '@aave/periphery-v3/artifacts/contracts/misc/UiPoolDataProviderV3.sol/UiPoolDataProviderV3.json',
  UniswapV3Factory: '@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json',
  UniswapV3Pool: '@uniswap/v3-core/artifacts/contracts/UniswapV3Pool.sol/UniswapV3Pool.json',
  NonfungiblePositionManager: '@uniswap/v3-periphery/artifacts/contracts/NonfungiblePositionManager.sol/NonfungiblePositionManager.json',
  SwapRouter: '@uniswap/v3-periphery/artifacts/contracts/SwapRouter.sol/SwapRouter.json',
};
const artCache = {};
const art = new Proxy(
  {},
  {
    get(_t, name) {
      if (!(name in ARTIFACT_PATHS)) throw new Error(`unknown artifact ${String(name)}`);
      return (artCache[name] ??= require(ARTIFACT_PATHS[name]));
    },
  },
);
const ifaceCache = {};
const ifaces = new Proxy(
  {},
  {
    get(_t, name) {
      return (ifaceCache[name] ??= new Interface(art[name].abi));
    },
  },
);

// ---------------------------------------------------------------------------------------------------------------
// Small utilities

const t0 = Date.now();
function log(...xs) {
  process.stderr.write(`[defi-fixture +${((Date.now() - t0) / 1000).toFixed(2)}s] ${xs.join(' ')}\n`);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const lc = (a) => String(a).toLowerCase();
const hex = (n) => '0x' + BigInt(n).toString(16);

function fail(msg) {
  const e = new Error(msg);
  e.userFacing = true;
  throw e;
}

function big(v, name) {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) fail(`${name}: ${v} is not a safe integer; pass big integers as strings`);
    return BigInt(v);
  }
  if (typeof v === 'string' && /^-?(0x[0-9a-fA-F]+|[0-9]+)$/.test(v.trim())) {
    const s = v.trim();
    return s.startsWith('-') ? -BigInt(s.slice(1)) : BigInt(s);
  }
  fail(`${name}: expected an integer (number or base-10 string), got ${JSON.stringify(v)}`);
}

function addr(v, name) {
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(v)) fail(`${name}: expected a 0x address, got ${JSON.stringify(v)}`);
  return v.toLowerCase();
}

// JSON with every bigint (and every number that came from the chain) as a base-10 string.
function toJson(obj) {
  return JSON.stringify(obj, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}

function isqrt(n) {
  if (n < 0n) throw new Error('isqrt of negative');
  if (n < 2n) return n;
  // Newton's iteration from a power of two >= sqrt(n): decreases monotonically to floor(sqrt(n)).
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

const floorDiv = (a, b) => Math.floor(a / b);

// ---------------------------------------------------------------------------------------------------------------
// JSON-RPC

let RPC_URL = null;
let rpcId = 1;

class RpcError extends Error {
  constructor(method, error) {
    super(`${method}: ${error.message}${error.data ? ` (data ${typeof error.data === 'string' ? error.data : JSON.stringify(error.data)})` : ''}`);
    this.rpc = error;
  }
}

async function post(body, idempotent) {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(RPC_URL, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(120_000),
      });
      const text = await res.text();
      try {
        return JSON.parse(text);
      } catch {
        throw new Error(`RPC answered HTTP ${res.status}: ${text.slice(0, 200)}`);
      }
    } catch (e) {
      if (!idempotent || attempt >= 4) throw new Error(`RPC ${RPC_URL} failed: ${e.message}${e.cause ? ` (${e.cause.message ?? e.cause})` : ''}`);
      await sleep(250 * (attempt + 1));
    }
  }
}

const NON_IDEMPOTENT = new Set(['eth_sendTransaction', 'evm_mine', 'evm_increaseTime']);

async function rpc(method, params = []) {
  const j = await post(JSON.stringify({ jsonrpc: '2.0', id: rpcId++, method, params }), !NON_IDEMPOTENT.has(method));
  if (j.error) throw new RpcError(method, j.error);
  return j.result;
}

// One HTTP request carrying many read-only calls; returns results in order (throws on the first error).
async function rpcBatch(reqs) {
  if (reqs.length === 0) return [];
  const out = [];
  for (let i = 0; i < reqs.length; i += 200) {
    const chunk = reqs.slice(i, i + 200).map(([method, params]) => ({ jsonrpc: '2.0', id: rpcId++, method, params }));
    const res = await post(JSON.stringify(chunk), true);
    if (!Array.isArray(res)) throw new Error(`batch RPC answered ${JSON.stringify(res).slice(0, 200)}`);
    const byId = new Map(res.map((r) => [r.id, r]));
    for (const q of chunk) {
      const r = byId.get(q.id);
      if (!r) throw new Error(`batch RPC lost the answer to ${q.method}`);
      if (r.error) throw new RpcError(q.method, r.error);
      out.push(r.result);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Contracts, calls, transactions

function at(name, address) {
  return { name, address: lc(address), iface: ifaces[name] };
}

function encode(c, fn, args) {
  try {
    return c.iface.encodeFunctionData(fn, args);
  } catch (e) {
    throw new Error(`encoding ${c.name}.${fn}(${toJson(args)}): ${e.shortMessage ?? e.message}`);
  }
}

async function call(c, fn, args = [], { from, block = 'latest' } = {}) {
  const tx = { to: c.address, data: encode(c, fn, args) };
  if (from) tx.from = from;
  const res = await rpc('eth_call', [tx, block]);
  return c.iface.decodeFunctionResult(fn, res);
}

// calls: [[contract, fn, args, from?], ...] in one batch at one block.
async function calls(list, block = 'latest') {
  const res = await rpcBatch(
    list.map(([c, fn, args, from]) => {
      const tx = { to: c.address, data: encode(c, fn, args ?? []) };
      if (from) tx.from = from;
      return ['eth_call', [tx, block]];
    }),
  );
  return res.map((r, i) => list[i][0].iface.decodeFunctionResult(list[i][1], r));
}

let devAccounts = null;
const readySenders = new Set();

// Makes `from` able to send with eth_sendTransaction: anvil's dev accounts are unlocked; any other address is
// impersonated (and given 100 ETH only when it has less than 1 ETH for gas).
async function ensureSender(from) {
  from = lc(from);
  if (FORBIDDEN_SENDERS.has(from)) fail(`refusing to send from ${from} (Multicall3's deployer: the Rust tests replay its presigned tx)`);
  if (readySenders.has(from)) return from;
  if (!devAccounts) devAccounts = new Set((await rpc('eth_accounts')).map(lc));
  if (!devAccounts.has(from)) {
    await rpc('anvil_impersonateAccount', [from]);
    const bal = BigInt(await rpc('eth_getBalance', [from, 'latest']));
    if (bal < 10n ** 18n) {
      log(`funding ${from} with 100 ETH for gas (it had ${bal} wei)`);
      await rpc('anvil_setBalance', [from, hex(bal + 100n * 10n ** 18n)]);
    }
  }
  readySenders.add(from);
  return from;
}

const stats = { txs: 0, gas: 0n };

// Aave reverts with numeric codes (Errors.sol); a few common ones, to make failures readable.
const AAVE_ERRORS = {
  26: 'INVALID_AMOUNT', 27: 'RESERVE_INACTIVE', 28: 'RESERVE_FROZEN', 29: 'RESERVE_PAUSED', 30: 'BORROWING_NOT_ENABLED',
  31: 'STABLE_BORROWING_NOT_ENABLED', 32: 'NOT_ENOUGH_AVAILABLE_USER_BALANCE', 33: 'INVALID_INTEREST_RATE_MODE_SELECTED',
  34: 'COLLATERAL_BALANCE_IS_ZERO', 35: 'HEALTH_FACTOR_LOWER_THAN_LIQUIDATION_THRESHOLD',
  36: 'COLLATERAL_CANNOT_COVER_NEW_BORROW', 43: 'UNDERLYING_BALANCE_ZERO', 57: 'HEALTH_FACTOR_NOT_BELOW_THRESHOLD',
};

function revertReason(data) {
  if (typeof data !== 'string' || !data.startsWith('0x08c379a0')) return data ? `revert data ${data}` : 'no revert data';
  const [msg] = AbiCoder.defaultAbiCoder().decode(['string'], '0x' + data.slice(10));
  return /^[0-9]+$/.test(msg) ? `'${msg}' (Aave ${AAVE_ERRORS[msg] ?? 'error code, see Errors.sol'})` : `'${msg}'`;
}

// Replays a reverted transaction as eth_call on the state before its block to get the revert reason.
async function whyReverted(tx, receipt) {
  try {
    const block = hex(BigInt(receipt.blockNumber) - 1n);
    await rpc('eth_call', [{ from: tx.from, to: tx.to ?? undefined, data: tx.data, value: tx.value }, block]);
    return 'replay did not revert';
  } catch (e) {
    return e.rpc ? `${e.rpc.message}; ${revertReason(e.rpc.data)}` : e.message;
  }
}

async function waitReceipt(hash, what, tx) {
  const started = Date.now();
  let lastMine = Date.now();
  let delay = 5;
  for (;;) {
    const r = await rpc('eth_getTransactionReceipt', [hash]);
    if (r) {
      stats.txs += 1;
      stats.gas += BigInt(r.gasUsed);
      if (r.status !== '0x1') {
        let why = tx ? await whyReverted(tx, r) : 'unknown';
        if (tx?.gas && BigInt(r.gasUsed) * 64n >= BigInt(tx.gas) * 63n) why += ` (out of gas? limit ${BigInt(tx.gas)})`;
        fail(`${what}: transaction ${hash} reverted (gas used ${BigInt(r.gasUsed)}): ${why}`);
      }
      return r;
    }
    if (Date.now() - started > 180_000) fail(`${what}: no receipt for ${hash} after 180 s`);
    // A busy anvil (or one with automine off / interval mining) may not have mined it yet: nudge it.
    if (Date.now() - lastMine > 2_000) {
      log(`${what}: no receipt for ${hash} yet, calling evm_mine`);
      try {
        await rpc('evm_mine', []);
      } catch (e) {
        log(`evm_mine failed: ${e.message}`);
      }
      lastMine = Date.now();
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 200);
  }
}

let blockGasLimit = null;

// Gas limit with a margin. anvil's own estimate (used when eth_sendTransaction has no gas) is computed on the
// previous block's timestamp; when the tx is mined a second later, Aave's interest-index update and Uniswap's
// oracle write cost more, and the tx ran out of gas now and then. The margin makes this deterministic.
async function gasFor(from, tx, what) {
  if (blockGasLimit === null) blockGasLimit = BigInt((await rpc('eth_getBlockByNumber', ['latest', false])).gasLimit);
  let est;
  try {
    est = BigInt(await rpc('eth_estimateGas', [{ from, ...tx }]));
  } catch (e) {
    fail(`${what}: ${e.message}${e.rpc?.data ? `; ${revertReason(e.rpc.data)}` : ''}`);
  }
  const gas = (est * 3n) / 2n + 100_000n;
  return hex(gas < blockGasLimit ? gas : blockGasLimit);
}

async function sendRaw(from, tx, what) {
  from = await ensureSender(from);
  let hash;
  try {
    tx = { ...tx, gas: tx.gas ?? (await gasFor(from, tx, what)) };
    hash = await rpc('eth_sendTransaction', [{ from, ...tx }]);
  } catch (e) {
    if (e.userFacing) throw e;
    fail(`${what}: ${e.message}${e.rpc?.data ? `; ${revertReason(e.rpc.data)}` : ''}`);
  }
  return waitReceipt(hash, what, { from, ...tx });
}

async function send(from, c, fn, args = []) {
  return sendRaw(from, { to: c.address, data: encode(c, fn, args) }, `${c.name}.${fn}`);
}

function linkBytecode(a, libs) {
  let bc = a.bytecode.slice(2);
  for (const m of Object.values(a.linkReferences ?? {})) {
    for (const [lib, refs] of Object.entries(m)) {
      const address = libs[lib];
      if (!address) throw new Error(`${a.contractName} needs library ${lib}`);
      for (const { start, length } of refs) {
        bc = bc.slice(0, start * 2) + address.slice(2).toLowerCase() + bc.slice((start + length) * 2);
      }
    }
  }
  if (bc.includes('__$')) throw new Error(`${a.contractName}: unlinked library placeholder left`);
  return '0x' + bc;
}

async function deployContract(from, name, args = [], libs = {}) {
  const data = linkBytecode(art[name], libs) + ifaces[name].encodeDeploy(args).slice(2);
  const r = await sendRaw(from, { data }, `deploy ${name}`);
  if (!r.contractAddress) fail(`deploy ${name}: receipt has no contractAddress`);
  return at(name, r.contractAddress);
}

function eventsOf(receipt, c, eventName) {
  const out = [];
  for (const l of receipt.logs) {
    if (lc(l.address) !== c.address) continue;
    let parsed;
    try {
      parsed = c.iface.parseLog({ topics: l.topics, data: l.data });
    } catch {
      continue;
    }
    if (parsed && parsed.name === eventName) out.push(parsed.args);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Deployment registry (stored on chain with anvil_setCode)

async function saveRegistry(dep) {
  await rpc('anvil_setCode', [REGISTRY, hexlify(toUtf8Bytes(toJson(dep)))]);
}

let registryCache;
async function loadRegistry(required = true) {
  if (registryCache === undefined) {
    const code = await rpc('eth_getCode', [REGISTRY, 'latest']);
    registryCache = code && code !== '0x' ? JSON.parse(toUtf8String(code)) : null;
  }
  if (!registryCache && required) fail(`no deployment recorded on this node (code at ${REGISTRY} is empty): run 'deploy' first or pass the addresses in --args`);
  return registryCache;
}

// Resolves a token argument: an address, or the symbol of a reserve of the recorded deployment.
async function token(v, name) {
  if (typeof v === 'string' && !v.startsWith('0x')) {
    const reg = await loadRegistry();
    const r = reg.aave?.reserves?.find((x) => x.symbol.toLowerCase() === v.toLowerCase());
    if (!r) fail(`${name}: unknown token symbol ${v}`);
    return r.asset;
  }
  return addr(v, name);
}

async function aaveAddresses(args) {
  const reg = args.pool && args.data_provider ? null : await loadRegistry();
  return {
    pool: addr(args.pool ?? reg.aave.pool, 'pool'),
  };
}

async function uniAddresses(args) {
  const need = ['factory', 'position_manager', 'swap_router'];
  const reg = need.every((k) => args[k]) ? null : await loadRegistry();
  if (reg && !reg.uniswap) fail('the recorded deployment has no Uniswap (deploy with "uniswap": true)');
  return Object.fromEntries(need.map((k) => [k, addr(args[k] ?? reg.uniswap[k], k)]));
}

// ---------------------------------------------------------------------------------------------------------------
// Aave v3 market

const DEFAULT_RESERVES = [
  { symbol: 'WETH', name: 'Wrapped Ether (fixture)', decimals: 18, price_usd: 2000n, ltv: 8000, lt: 8250, bonus: 10500 },
  { symbol: 'USDC', name: 'USD Coin (fixture)', decimals: 6, price_usd: 1n, ltv: 7700, lt: 8000, bonus: 10450 },
];

function reserveSpecs(n) {
  const specs = [];
  for (let i = 1; i <= n; i++) {
    if (i <= 2) specs.push({ ...DEFAULT_RESERVES[i - 1] });
    else
      specs.push({
        symbol: `TK${i}`,
        name: `Fixture Token ${i}`,
        decimals: [18, 6, 8][(i - 3) % 3],
        price_usd: BigInt(10 + (i - 3)), // TK3 $10, TK4 $11, ...
        ltv: 7000,
        lt: 7500,
        bonus: 10500,
      });
  }
  return specs;
}

// $1M worth of each reserve is supplied by the deployer so borrows have liquidity.
const LIQUIDITY_USD = 1_000_000n;

async function deployAave(deployer, nReserves, { liquidity = true } = {}) {
  const specs = reserveSpecs(nReserves);
  const d = deployer;
  log(`Aave v3: ${nReserves} reserves (${specs.map((s) => s.symbol).join(', ')})`);

  const provider = await deployContract(d, 'PoolAddressesProvider', ['DefiFixtureMarket', d]);
  await send(d, provider, 'setACLAdmin', [d]);
  const acl = await deployContract(d, 'ACLManager', [provider.address]);
  await send(d, provider, 'setACLManager', [acl.address]);
  await send(d, acl, 'addPoolAdmin', [d]);

  const libs = {};
  for (const name of ['BorrowLogic', 'BridgeLogic', 'ConfiguratorLogic', 'EModeLogic', 'LiquidationLogic', 'PoolLogic', 'SupplyLogic']) {
    libs[name] = (await deployContract(d, name)).address;
  }
  libs.FlashLoanLogic = (await deployContract(d, 'FlashLoanLogic', [], libs)).address;

  const poolImpl = await deployContract(d, 'Pool', [provider.address], libs);
  await send(d, provider, 'setPoolImpl', [poolImpl.address]); // creates the proxy and initializes it
  const pool = at('Pool', (await call(provider, 'getPool'))[0]);
  const configuratorImpl = await deployContract(d, 'PoolConfigurator', [], libs);
  await send(d, provider, 'setPoolConfiguratorImpl', [configuratorImpl.address]);
  const configurator = at('PoolConfigurator', (await call(provider, 'getPoolConfigurator'))[0]);
  log(`pool ${pool.address}, configurator ${configurator.address}`);

  // Underlying tokens and price feeds (8-decimal USD answers, as Chainlink's USD feeds).
  const tokens = [];
  const feeds = [];
  for (const s of specs) tokens.push(await deployContract(d, 'MintableERC20', [s.name, s.symbol, s.decimals]));
  for (const s of specs) feeds.push(await deployContract(d, 'MockAggregator', [s.price_usd * 10n ** 8n]));
  const oracle = await deployContract(d, 'AaveOracle', [
    provider.address,
    tokens.map((t) => t.address),
    feeds.map((f) => f.address),
    ZERO, // no fallback oracle
    ZERO, // base currency: USD
    10n ** 8n, // base currency unit: 8 decimals
  ]);
  await send(d, provider, 'setPriceOracle', [oracle.address]);
  const dataProvider = await deployContract(d, 'AaveProtocolDataProvider', [provider.address]);
  await send(d, provider, 'setPoolDataProvider', [dataProvider.address]);

  const aTokenImpl = await deployContract(d, 'AToken', [pool.address]);
  const stableImpl = await deployContract(d, 'StableDebtToken', [pool.address]);
  const variableImpl = await deployContract(d, 'VariableDebtToken', [pool.address]);
  // One strategy for all reserves: 80% optimal usage, 0% base, 4% slope1, 75% slope2 (stable params unused).
  const strategy = await deployContract(d, 'DefaultReserveInterestRateStrategy', [
    provider.address,
    (RAY * 80n) / 100n,
    0n,
    (RAY * 4n) / 100n,
    (RAY * 75n) / 100n,
    (RAY * 2n) / 100n,
    (RAY * 75n) / 100n,
    (RAY * 2n) / 100n,
    (RAY * 8n) / 100n,
    (RAY * 20n) / 100n,
  ]);

  const inputs = specs.map((s, i) => ({
    aTokenImpl: aTokenImpl.address,
    stableDebtTokenImpl: stableImpl.address,
    variableDebtTokenImpl: variableImpl.address,
    underlyingAssetDecimals: s.decimals,
    interestRateStrategyAddress: strategy.address,
    underlyingAsset: tokens[i].address,
    treasury: d,
    incentivesController: ZERO,
    aTokenName: `Aave Fixture ${s.symbol}`,
    aTokenSymbol: `aFix${s.symbol}`,
    variableDebtTokenName: `Aave Fixture Variable Debt ${s.symbol}`,
    variableDebtTokenSymbol: `variableDebtFix${s.symbol}`,
    stableDebtTokenName: `Aave Fixture Stable Debt ${s.symbol}`,
    stableDebtTokenSymbol: `stableDebtFix${s.symbol}`,
    params: '0x',
  }));
  // Each reserve deploys three proxies (~1.3 M gas): a few per transaction keeps under the block gas limit.
  for (let i = 0; i < inputs.length; i += 5) await send(d, configurator, 'initReserves', [inputs.slice(i, i + 5)]);
  for (let i = 0; i < specs.length; i++) {
    const s = specs[i];
    await send(d, configurator, 'configureReserveAsCollateral', [tokens[i].address, s.ltv, s.lt, s.bonus]);
    await send(d, configurator, 'setReserveBorrowing', [tokens[i].address, true]);
  }

  let ui = null;
  try {
    // Network base token (ETH) / USD and market reference currency (USD) / USD feeds.
    ui = await deployContract(d, 'UiPoolDataProviderV3', [feeds[0].address, feeds[Math.min(1, feeds.length - 1)].address]);
  } catch (e) {
    log(`UiPoolDataProviderV3 not deployed: ${e.message}`);
  }

  const reserves = [];
  const datas = await calls(tokens.map((t) => [pool, 'getReserveData', [t.address]]));
  for (let i = 0; i < specs.length; i++) {
    const rd = datas[i][0];
    reserves.push({
      symbol: specs[i].symbol,
      decimals: String(specs[i].decimals),
      asset: tokens[i].address,
      a_token: lc(rd.aTokenAddress),
      stable_debt_token: lc(rd.stableDebtTokenAddress),
      variable_debt_token: lc(rd.variableDebtTokenAddress),
      price_usd: specs[i].price_usd.toString(),
      oracle_price: (specs[i].price_usd * 10n ** 8n).toString(),
      price_feed: feeds[i].address,
      ltv: String(specs[i].ltv),
      liquidation_threshold: String(specs[i].lt),
      liquidation_bonus: String(specs[i].bonus),
    });
  }

  if (liquidity) {
    for (let i = 0; i < specs.length; i++) {
      const amount = (LIQUIDITY_USD * 10n ** BigInt(specs[i].decimals)) / specs[i].price_usd;
      await send(d, tokens[i], 'mint(address,uint256)', [d, amount]);
      await send(d, tokens[i], 'approve', [pool.address, MAX_UINT256]);
      await send(d, pool, 'supply', [tokens[i].address, amount, d, 0]);
    }
  }

  const out = {
    addresses_provider: provider.address,
    acl_manager: acl.address,
    pool: pool.address,
    pool_configurator: configurator.address,
    data_provider: dataProvider.address,
  };
  if (ui) out.ui_pool_data_provider = ui.address;
  Object.assign(out, {
    oracle: oracle.address,
    interest_rate_strategy: strategy.address,
    liquidity_provider: liquidity ? d : null,
    liquidity_usd_per_reserve: liquidity ? LIQUIDITY_USD.toString() : '0',
    reserves,
  });
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Uniswap v3

function sortTokens(a, b) {
  a = lc(a);
  b = lc(b);
  if (a === b) fail('token_a and token_b are the same');
  return BigInt(a) < BigInt(b) ? [a, b, false] : [b, a, true];
}

function poolAddressCreate2(factory, token0, token1, fee) {
  const salt = keccak256(AbiCoder.defaultAbiCoder().encode(['address', 'address', 'uint24'], [token0, token1, fee]));
  return lc(getCreate2Address(factory, salt, CANONICAL_POOL_INIT_CODE_HASH));
}

async function deployUniswap(d, weth9) {
  log('Uniswap v3: factory, position manager, swap router');
  const factory = await deployContract(d, 'UniswapV3Factory');
  // WETH9 and the token descriptor are never used (no ETH is paid, tokenURI is not called).
  const npm = await deployContract(d, 'NonfungiblePositionManager', [factory.address, weth9, ZERO]);
  const router = await deployContract(d, 'SwapRouter', [factory.address, weth9]);
  const artifactHash = keccak256(art.UniswapV3Pool.bytecode);
  // Does the deployed factory create pools at the canonical CREATE2 address? A static createPool answers without
  // changing state.
  const [a, b] = sortTokens('0x000000000000000000000000000000000000aaaa', '0x000000000000000000000000000000000000bbbb');
  const [predicted] = await call(factory, 'createPool', [a, b, 3000], { from: d });
  const canonical = poolAddressCreate2(factory.address, a, b, 3000);
  return {
    factory: factory.address,
    position_manager: npm.address,
    swap_router: router.address,
    weth9,
    pool_init_code_hash: artifactHash,
    canonical_init_code_hash: CANONICAL_POOL_INIT_CODE_HASH,
    init_code_hash_matches: artifactHash === CANONICAL_POOL_INIT_CODE_HASH && lc(predicted) === canonical,
  };
}

function sqrtPriceX96For(priceNum, priceDen) {
  // sqrt(price) * 2^96 where price = token1 raw units per token0 raw unit = priceNum / priceDen
  return isqrt((BigInt(priceNum) << 192n) / BigInt(priceDen));
}

// sqrtPriceX96 for USD prices (8-decimal integers or plain integers, same scale) and decimals of two tokens.
function sqrtPriceFromUsd(token0, token1) {
  const num = BigInt(token0.price_usd) * 10n ** BigInt(token1.decimals);
  const den = BigInt(token1.price_usd) * 10n ** BigInt(token0.decimals);
  return sqrtPriceX96For(num, den);
}

async function slot0(poolAddress, block = 'latest') {
  const p = at('UniswapV3Pool', poolAddress);
  const s = await call(p, 'slot0', [], { block });
  return { sqrt_price_x96: s.sqrtPriceX96, tick: Number(s.tick) };
}

async function uniswapPool(args) {
  const u = await uniAddresses(args);
  const fee = Number(args.fee ?? 3000);
  if (!TICK_SPACING[fee]) fail(`fee must be one of 500, 3000, 10000 (got ${args.fee})`);
  const [token0, token1, flipped] = sortTokens(await token(args.token_a, 'token_a'), await token(args.token_b, 'token_b'));
  if (args.sqrt_price_x96 === undefined) fail('sqrt_price_x96 is required (of token1 per token0, token0 = lower address)');
  const sqrtP = big(args.sqrt_price_x96, 'sqrt_price_x96');
  const npm = at('NonfungiblePositionManager', u.position_manager);
  const from = lc(args.from ?? DEFAULT_DEPLOYER);
  await send(from, npm, 'createAndInitializePoolIfNecessary', [token0, token1, fee, sqrtP]);
  const factory = at('UniswapV3Factory', u.factory);
  const [poolAddr] = await call(factory, 'getPool', [token0, token1, fee]);
  const s = await slot0(poolAddr);
  return {
    pool: lc(poolAddr),
    token0,
    token1,
    fee: String(fee),
    tick_spacing: String(TICK_SPACING[fee]),
    tick: String(s.tick),
    sqrt_price_x96: s.sqrt_price_x96,
    token_a_is_token1: flipped,
    create2_matches: lc(poolAddr) === poolAddressCreate2(u.factory, token0, token1, fee),
  };
}

async function mintTokens(to, tokenAddr, amount) {
  if (amount <= 0n) return;
  await send(DEFAULT_DEPLOYER, at('MintableERC20', tokenAddr), 'mint(address,uint256)', [to, amount]);
}

async function ensureAllowance(owner, tokenAddr, spender, amount) {
  const t = at('MintableERC20', tokenAddr);
  const [allowance] = await call(t, 'allowance', [owner, spender]);
  if (allowance < amount) await send(owner, t, 'approve', [spender, MAX_UINT256]);
}

async function uniswapMint(args) {
  const u = await uniAddresses(args);
  const owner = addr(args.owner, 'owner');
  const fee = Number(args.fee ?? 3000);
  if (!TICK_SPACING[fee]) fail(`fee must be one of 500, 3000, 10000 (got ${args.fee})`);
  const ta = await token(args.token_a, 'token_a');
  const tb = await token(args.token_b, 'token_b');
  const [token0, token1, flipped] = sortTokens(ta, tb);
  const amountA = big(args.amount_a ?? 0, 'amount_a');
  const amountB = big(args.amount_b ?? 0, 'amount_b');
  const [amount0, amount1] = flipped ? [amountB, amountA] : [amountA, amountB];
  const tickLower = Number(big(args.tick_lower, 'tick_lower'));
  const tickUpper = Number(big(args.tick_upper, 'tick_upper'));
  const spacing = TICK_SPACING[fee];
  if (tickLower % spacing !== 0 || tickUpper % spacing !== 0) fail(`ticks must be multiples of the tick spacing ${spacing} for fee ${fee}`);
  if (tickLower >= tickUpper) fail('tick_lower must be below tick_upper');
  const npm = at('NonfungiblePositionManager', u.position_manager);
  await ensureSender(owner);
  await mintTokens(owner, token0, amount0);
  await mintTokens(owner, token1, amount1);
  await ensureAllowance(owner, token0, npm.address, amount0);
  await ensureAllowance(owner, token1, npm.address, amount1);
  const r = await send(owner, npm, 'mint', [
    {
      token0,
      token1,
      fee,
      tickLower,
      tickUpper,
      amount0Desired: amount0,
      amount1Desired: amount1,
      amount0Min: 0n,
      amount1Min: 0n,
      recipient: owner,
      deadline: FAR_DEADLINE,
    },
  ]);
  const ev = eventsOf(r, npm, 'IncreaseLiquidity')[0];
  if (!ev) fail('mint: no IncreaseLiquidity event');
  const factory = at('UniswapV3Factory', u.factory);
  const [poolAddr] = await call(factory, 'getPool', [token0, token1, fee]);
  return {
    token_id: ev.tokenId,
    liquidity: ev.liquidity,
    amount0: ev.amount0,
    amount1: ev.amount1,
    token0,
    token1,
    pool: lc(poolAddr),
    tick_lower: String(tickLower),
    tick_upper: String(tickUpper),
  };
}

async function uniswapSwap(args) {
  const u = await uniAddresses(args);
  const from = addr(args.from ?? DEFAULT_DEPLOYER, 'from');
  const fee = Number(args.fee ?? 3000);
  const tokenIn = await token(args.token_in, 'token_in');
  const tokenOut = await token(args.token_out, 'token_out');
  const amountIn = big(args.amount_in, 'amount_in');
  const limit = args.sqrt_price_limit_x96 === undefined ? 0n : big(args.sqrt_price_limit_x96, 'sqrt_price_limit_x96');
  const router = at('SwapRouter', u.swap_router);
  await ensureSender(from);
  await mintTokens(from, tokenIn, amountIn);
  await ensureAllowance(from, tokenIn, router.address, amountIn);
  const r = await send(from, router, 'exactInputSingle', [
    {
      tokenIn,
      tokenOut,
      fee,
      recipient: from,
      deadline: FAR_DEADLINE,
      amountIn,
      amountOutMinimum: 0n,
      sqrtPriceLimitX96: limit,
    },
  ]);
  const factory = at('UniswapV3Factory', u.factory);
  const [poolAddr] = await call(factory, 'getPool', [tokenIn, tokenOut, fee]);
  const pool = at('UniswapV3Pool', poolAddr);
  const ev = eventsOf(r, pool, 'Swap')[0];
  if (!ev) fail('swap: no Swap event');
  const tokenInIs0 = BigInt(tokenIn) < BigInt(tokenOut);
  const amountOut = -(tokenInIs0 ? ev.amount1 : ev.amount0);
  const s = await slot0(poolAddr);
  return {
    pool: lc(poolAddr),
    tick: String(s.tick),
    sqrt_price_x96: s.sqrt_price_x96,
    amount_in: tokenInIs0 ? ev.amount0 : ev.amount1,
    amount_out: amountOut,
  };
}

async function uniswapOracle(args) {
  const u = await uniAddresses(args);
  const owner = addr(args.owner, 'owner');
  const tokenId = big(args.token_id, 'token_id');
  const npm = at('NonfungiblePositionManager', u.position_manager);
  const block = hex(BigInt(await rpc('eth_blockNumber')));
  const [pos, ownerOf] = await calls([
    [npm, 'positions', [tokenId]],
    [npm, 'ownerOf', [tokenId]],
  ], block);
  const factory = at('UniswapV3Factory', u.factory);
  const [poolAddr] = await call(factory, 'getPool', [pos.token0, pos.token1, pos.fee], { block });
  const s = await slot0(poolAddr, block);
  const liquidity = pos.liquidity;
  let amount0 = 0n;
  let amount1 = 0n;
  if (liquidity > 0n) {
    const dec = await call(npm, 'decreaseLiquidity', [{ tokenId, liquidity, amount0Min: 0n, amount1Min: 0n, deadline: FAR_DEADLINE }], { from: owner, block });
    amount0 = dec.amount0;
    amount1 = dec.amount1;
  }
  const col = await call(npm, 'collect', [{ tokenId, recipient: owner, amount0Max: MAX_UINT128, amount1Max: MAX_UINT128 }], { from: owner, block });
  const tickLower = Number(pos.tickLower);
  const tickUpper = Number(pos.tickUpper);
  return {
    block: BigInt(block).toString(),
    owner_of: lc(ownerOf[0]),
    pool: lc(poolAddr),
    token0: lc(pos.token0),
    token1: lc(pos.token1),
    fee: pos.fee.toString(),
    tick_lower: String(tickLower),
    tick_upper: String(tickUpper),
    liquidity,
    amount0,
    amount1,
    fees0: col.amount0,
    fees1: col.amount1,
    tokens_owed0: pos.tokensOwed0,
    tokens_owed1: pos.tokensOwed1,
    tick: String(s.tick),
    sqrt_price_x96: s.sqrt_price_x96,
    in_range: tickLower <= s.tick && s.tick < tickUpper,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Aave positions and oracle

async function aavePosition(args) {
  const { pool: poolAddr } = await aaveAddresses(args);
  const pool = at('Pool', poolAddr);
  const user = addr(args.user ?? DEFAULT_USER, 'user');
  await ensureSender(user);
  for (const [i, s] of (args.supply ?? []).entries()) {
    const asset = await token(s.asset, `supply[${i}].asset`);
    const amount = big(s.amount, `supply[${i}].amount`);
    await mintTokens(user, asset, amount);
    await ensureAllowance(user, asset, pool.address, amount);
    await send(user, pool, 'supply', [asset, amount, user, 0]);
  }
  for (const [i, a] of (args.collateral_off ?? []).entries()) {
    await send(user, pool, 'setUserUseReserveAsCollateral', [await token(a, `collateral_off[${i}]`), false]);
  }
  for (const [i, b] of (args.borrow ?? []).entries()) {
    const asset = await token(b.asset, `borrow[${i}].asset`);
    const amount = big(b.amount, `borrow[${i}].amount`);
    await send(user, pool, 'borrow', [asset, amount, 2, 0, user]); // 2 = variable rate
  }
  return { ok: true };
}

async function aaveOracle(args) {
  const { pool: poolAddr } = await aaveAddresses(args);
  const pool = at('Pool', poolAddr);
  const user = addr(args.user ?? DEFAULT_USER, 'user');
  const block = hex(BigInt(await rpc('eth_blockNumber')));
  const [[list], acct, [cfg]] = await calls([
    [pool, 'getReservesList', []],
    [pool, 'getUserAccountData', [user]],
    [pool, 'getUserConfiguration', [user]],
  ], block);
  const datas = await calls(list.map((a) => [pool, 'getReserveData', [a]]), block);
  const erc = (a) => at('MintableERC20', a);
  const q = [];
  for (let i = 0; i < list.length; i++) {
    const rd = datas[i][0];
    q.push([erc(rd.aTokenAddress), 'balanceOf', [user]]);
    q.push([erc(rd.stableDebtTokenAddress), 'balanceOf', [user]]);
    q.push([erc(rd.variableDebtTokenAddress), 'balanceOf', [user]]);
    q.push([erc(list[i]), 'symbol', []]);
  }
  const bals = await calls(q, block);
  const bitmap = cfg.data;
  const reserves = list.map((asset, i) => {
    const id = BigInt(datas[i][0].id);
    return {
      asset: lc(asset),
      symbol: bals[4 * i + 3][0],
      a_token_balance: bals[4 * i][0],
      stable_debt_balance: bals[4 * i + 1][0],
      variable_debt_balance: bals[4 * i + 2][0],
      collateral: ((bitmap >> (2n * id + 1n)) & 1n) === 1n,
      borrowing: ((bitmap >> (2n * id)) & 1n) === 1n,
    };
  });
  return {
    block: BigInt(block).toString(),
    user,
    account_data: {
      total_collateral_base: acct.totalCollateralBase,
      total_debt_base: acct.totalDebtBase,
      available_borrows_base: acct.availableBorrowsBase,
      current_liquidation_threshold: acct.currentLiquidationThreshold,
      ltv: acct.ltv,
      health_factor: acct.healthFactor,
    },
    user_configuration: bitmap,
    reserves,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Commands

async function cmdDeploy(args) {
  const started = Date.now();
  const nReserves = Number(args.reserves ?? 2);
  if (!Number.isInteger(nReserves) || nReserves < 1 || nReserves > 128) fail('reserves must be an integer from 1 to 128');
  const deployer = await ensureSender(args.deployer ?? DEFAULT_DEPLOYER);
  const chainId = BigInt(await rpc('eth_chainId'));
  const nonce = BigInt(await rpc('eth_getTransactionCount', [deployer, 'latest']));
  const aave = await deployAave(deployer, nReserves, { liquidity: args.liquidity ?? true });
  const uniswap = args.uniswap ?? true ? await deployUniswap(deployer, aave.reserves[0].asset) : null;
  const out = {
    aave,
    uniswap,
    deployer,
    deployer_start_nonce: nonce.toString(),
    chain_id: chainId.toString(),
    registry: REGISTRY,
    txs: String(stats.txs),
    gas_used: stats.gas,
  };
  await saveRegistry(out);
  log(`deployed in ${Date.now() - started} ms (${stats.txs} txs, ${stats.gas} gas)`);
  return { ...out, elapsed_ms: String(Date.now() - started) };
}

function floorTick(t, spacing) {
  return floorDiv(t, spacing) * spacing;
}

// Three ranges around the current tick: in range, entirely above (holds only token0), entirely below (only token1).
function ranges(tick, spacing, k = 1) {
  const base = floorTick(tick, spacing);
  const w = spacing * 50 * k;
  return {
    in_range: [base - w, base + w + spacing],
    above: [base + w + spacing * 20, base + 2 * w + spacing * 20],
    below: [base - 2 * w - spacing * 20, base - w - spacing * 20],
  };
}

function raw(spec, usd) {
  // raw units of `usd` dollars of a reserve
  return (BigInt(usd) * 10n ** BigInt(spec.decimals)) / BigInt(spec.price_usd);
}

async function cmdScenario(args) {
  const started = Date.now();
  const user = addr(args.user ?? DEFAULT_USER, 'user');
  const deploy = await cmdDeploy({ reserves: 2, uniswap: true, deployer: args.deployer });
  const [weth, usdc] = deploy.aave.reserves;
  log(`scenario for ${user}: supply 10 WETH + 250 USDC, borrow 5000 USDC`);
  await aavePosition({
    user,
    supply: [
      { asset: weth.asset, amount: 10n * 10n ** 18n },
      { asset: usdc.asset, amount: 250n * 10n ** 6n },
    ],
    borrow: [{ asset: usdc.asset, amount: 5000n * 10n ** 6n }],
  });
  const [t0a, t1a] = sortTokens(weth.asset, usdc.asset);
  const [s0, s1] = t0a === weth.asset ? [weth, usdc] : [usdc, weth];
  const pool = await uniswapPool({ token_a: s0.asset, token_b: s1.asset, fee: 3000, sqrt_price_x96: sqrtPriceFromUsd(s0, s1) });
  log(`pool ${pool.pool} token0=${s0.symbol} tick=${pool.tick}`);
  const rg = ranges(Number(pool.tick), 60);
  const positions = [];
  for (const expected of ['in_range', 'above', 'below']) {
    const [lo, hi] = rg[expected];
    const m = await uniswapMint({
      owner: user,
      token_a: weth.asset,
      token_b: usdc.asset,
      fee: 3000,
      tick_lower: lo,
      tick_upper: hi,
      amount_a: 10n * 10n ** 18n,
      amount_b: 20_000n * 10n ** 6n,
    });
    positions.push({ token_id: m.token_id, tick_lower: String(lo), tick_upper: String(hi), expected, liquidity: m.liquidity, amount0: m.amount0, amount1: m.amount1 });
  }
  // One swap (by the deployer, so the user's wallet is untouched) that earns fees in the in-range position.
  const swap = await uniswapSwap({ from: deploy.deployer, token_in: usdc.asset, token_out: weth.asset, fee: 3000, amount_in: 1000n * 10n ** 6n });
  log(`swap: tick ${pool.tick} -> ${swap.tick}`);
  const out = { deploy, user, pool, positions, swap, elapsed_ms: String(Date.now() - started) };
  await saveRegistry({ ...deploy, elapsed_ms: undefined, scenario: { user, pool: pool.pool, positions } });
  return out;
}

async function cmdBench(args) {
  const started = Date.now();
  const user = addr(args.user ?? DEFAULT_USER, 'user');
  const nReserves = Number(args.reserves ?? 20);
  const nPositions = Number(args.positions ?? 10);
  if (nReserves < 4) fail('bench needs at least 4 reserves');
  const deploy = await cmdDeploy({ reserves: nReserves, uniswap: true, deployer: args.deployer });
  const res = deploy.aave.reserves;
  const specOf = (r) => ({ ...r, decimals: Number(r.decimals), price_usd: BigInt(r.price_usd) });
  // $1000 in every reserve; borrow $5000 spread over USDC, WETH and TK3.
  log(`bench for ${user}: supply $1000 in each of ${res.length} reserves, borrow in 3`);
  await aavePosition({
    user,
    supply: res.map((r) => ({ asset: r.asset, amount: raw(specOf(r), 1000) })),
    borrow: [
      { asset: res[1].asset, amount: raw(specOf(res[1]), 3000) },
      { asset: res[0].asset, amount: raw(specOf(res[0]), 1000) },
      { asset: res[2].asset, amount: raw(specOf(res[2]), 1000) },
    ],
  });
  const pairs = [
    [res[0], res[1], 3000], // WETH/USDC 0.3%
    [res[0], res[2], 500], // WETH/TK3 0.05%
    [res[1], res[3], 10000], // USDC/TK4 1%
  ];
  const pools = [];
  for (const [a, b, fee] of pairs) {
    const [x] = sortTokens(a.asset, b.asset);
    const [s0, s1] = x === a.asset ? [a, b] : [b, a];
    const p = await uniswapPool({ token_a: s0.asset, token_b: s1.asset, fee, sqrt_price_x96: sqrtPriceFromUsd(specOf(s0), specOf(s1)) });
    pools.push({ ...p, a, b });
  }
  const kinds = ['in_range', 'above', 'below'];
  const positions = [];
  for (let i = 0; i < nPositions; i++) {
    const p = pools[i % pools.length];
    const expected = kinds[Math.floor(i / pools.length) % kinds.length];
    const spacing = Number(p.tick_spacing);
    const [lo, hi] = ranges(Number(p.tick), spacing, 1 + Math.floor(i / 9))[expected];
    const m = await uniswapMint({
      owner: user,
      token_a: p.a.asset,
      token_b: p.b.asset,
      fee: Number(p.fee),
      tick_lower: lo,
      tick_upper: hi,
      amount_a: raw(specOf(p.a), 2000),
      amount_b: raw(specOf(p.b), 2000),
    });
    positions.push({ token_id: m.token_id, pool: p.pool, tick_lower: String(lo), tick_upper: String(hi), expected, liquidity: m.liquidity, amount0: m.amount0, amount1: m.amount1 });
  }
  const swap = await uniswapSwap({ from: deploy.deployer, token_in: res[1].asset, token_out: res[0].asset, fee: 3000, amount_in: 100n * 10n ** 6n });
  const out = {
    deploy,
    user,
    pools: pools.map(({ a, b, ...p }) => p),
    positions,
    swap,
    elapsed_ms: String(Date.now() - started),
  };
  await saveRegistry({ ...deploy, elapsed_ms: undefined, bench: { user, pools: out.pools.map((p) => p.pool), positions } });
  return out;
}

const COMMANDS = {
  deploy: cmdDeploy,
  'aave-position': aavePosition,
  'aave-oracle': aaveOracle,
  'uniswap-pool': uniswapPool,
  'uniswap-mint': uniswapMint,
  'uniswap-swap': uniswapSwap,
  'uniswap-oracle': uniswapOracle,
  scenario: cmdScenario,
  bench: cmdBench,
  registry: async () => loadRegistry(),
};

function usage() {
  return `usage: node fixture.mjs <${Object.keys(COMMANDS).join('|')}> --rpc <url> [--args '<json>']`;
}

async function main() {
  const argv = process.argv.slice(2);
  const command = argv[0];
  let argsJson = '{}';
  for (let i = 1; i < argv.length; i++) {
    if (argv[i] === '--rpc') RPC_URL = argv[++i];
    else if (argv[i].startsWith('--rpc=')) RPC_URL = argv[i].slice(6);
    else if (argv[i] === '--args') argsJson = argv[++i];
    else if (argv[i].startsWith('--args=')) argsJson = argv[i].slice(7);
    else fail(`unknown argument ${argv[i]}\n${usage()}`);
  }
  if (!command || !COMMANDS[command]) fail(`unknown command ${command ?? '(none)'}\n${usage()}`);
  if (!RPC_URL) fail(`--rpc <url> is required\n${usage()}`);
  let args;
  try {
    args = JSON.parse(argsJson ?? '{}');
  } catch (e) {
    fail(`--args is not JSON: ${e.message}`);
  }
  if (args === null || typeof args !== 'object' || Array.isArray(args)) fail('--args must be a JSON object');
  const out = await COMMANDS[command](args);
  writeSync(1, toJson(out) + '\n'); // synchronous: nothing is lost on process.exit
}

main().then(
  () => process.exit(0),
  (e) => {
    const detail = e.userFacing || !process.env.DEFI_FIXTURE_DEBUG ? e.message : e.stack ?? e.message;
    process.stderr.write(`defi-fixture: ${detail}\n`);
    process.exit(1);
  },
);
